"""Held-out name set (names_holdout.jsonl): new sentences and new names, written after the
development set (names.jsonl) had been used to tune the rules, and never used for tuning.

Run: python -m nlp.eval_data.holdout
"""

from __future__ import annotations

import json

from nlp.eval_data.build import HERE, _fill

TEMPLATES = [
    "Our street has no lighting and {F} {L} at number 3 was mugged there in March.",
    "The community centre is run by {F}, who does it all as a volunteer.",
    "I have emailed Councillor {L} three times and had no reply.",
    "my daughter {f} has to cross the main road to get to school",
    "Both me and {F} think the new bins are too big for our small front gardens.",
    "{F} {L} and her husband lost their parking space when the bays were changed.",
    "Fully support this. {F}",
    "Kind regards,\n{F} {L}\nChair, Allotment Society",
    "Speak to {F} in the library, she has collected over 200 signatures against the closure.",
    "The new warden {F} is very helpful.",
    "Ms {L} who runs the nursery says parents will struggle with the new drop off times.",
    "I'm a carer for {F} {L}, my elderly neighbour, and she relies on the 37 bus.",
    "{F} told me the council are selling the land to developers.",
    "Our GP Dr {L} has already said the area lacks clinics.",
    "{F} {L} (resident, 40 years)",
    "can u ask {f} to sort the street lights on our road",
    "My grandson {F} plays football on the green every weekend so please don't build on it.",
    "Thank you to {F} and the team at the food bank for everything.",
    "{F} and {G} from the tenants group should be on the steering committee.",
    "We contacted {F} {L} at the council about the mould but nothing happened.",
    "This is {F} {L}, I live above the shops and the noise at night is unbearable.",
    "I was with {F} when she tripped on the kerb.",
    "The bus driver, {F}, always waits for my mum to sit down.",
    "hi its {f} from the youth club, we need somewhere to go in the evenings",
    "{L}'s bakery will close if the parking goes.",
    "My wife {F} uses a wheelchair and the pavements are too narrow.",
    "As a mum of three (ask {F} {L} at the school gate) I can say the crossing is dangerous.",
    "Please note {F} {L} objects to this proposal.",
    "I've talked to {F} about this and we both want more trees planted.",
    "Mr and Mrs {L} at 22 have been flooded twice.",
]

NAMES: dict[str, tuple[list[str], list[str]]] = {
    "English": ("Jacob Isla Noah Ava Leo Freya Ethan Evie Charlie Millie Joshua Rosie Max Phoebe Luke "
                "Imogen Adam Scarlett Ryan Florence Callum Matilda Nathan Harriet Toby Eleanor Connor Bethany "
                "Liam Zoe Reece Lily Dylan".split(),
                "Bennett Wood Lloyd Marshall Shaw Chapman Holmes Mason Rogers Hunt Mills Knight Palmer Webb "
                "Barker Atkinson Fisher Bell Pearson Dixon Hudson Gibson Fletcher Kerr Russell Pritchard Sutton "
                "Fox Jenkins Bishop Cole Hart Payne".split()),
    "Irish": ("Aidan Bríd Cormac Dearbhla Enda Fiadh Gearóid Íde Kieran Laoise Muireann Naoise Odhrán "
              "Pádraigín Ruairí Sorcha Tomás Úna Brendan Clíona Dónal Éabha Feargal Gráinne Lughaidh Meabh "
              "Niall Órlaith Proinsias Réaltán Séan Treasa Ultan".split(),
              "Ó Briain MacCarthy Mac Mathúna Ní Dhomhnaill Hennessy Fennelly Dunne Cullen Mulcahy Whelan "
              "Tierney Hanrahan Geraghty Lenihan Rafferty Scanlon Twomey Egan Corrigan Devlin Flynn Garvey "
              "Houlihan Kinsella Lalor McEvoy Nagle O'Keeffe Prendergast Roche Sweeney Toomey Vaughan".split()),
    "West African": ("Adebola Chinedu Efe Gbenga Ifeanyi Jumoke Kehinde Lanre Modupe Nnamdi Olamide Remi "
                     "Tobi Uzoma Wale Yewande Zainab Afia Kwesi Nana Esi Fiifi Araba Kobina Adjoa Mawuli Sena "
                     "Delali Seyi Kayode Ngozika Oba Dapo".split(),
                     "Abiodun Adeleke Ajayi Akinola Anyanwu Bello Ekwueme Fashola Igwe Lawal Nwankwo Obiora "
                     "Ogbonna Okeke Olawale Onuoha Salako Uche Agyei Antwi Frimpong Gyamfi Kyei Nkrumah Opoku "
                     "Tetteh Wiredu Yeboah Addo Annan Bonsu Ampofo Fofanah".split()),
    "Caribbean": ("Aaliyah Bernice Cedric Dionne Everton Fitzroy Glenroy Horace Ivelaw Janelle Kadeem Latoya "
                  "Maxine Nathaniel Orville Patrice Queenie Rasheed Sheldon Trevor Valerie Wendell Xavier Yolanda "
                  "Zion Barrington Camille Donovan Earl Felicia Garfield Hortense Ianthe".split(),
                  "Anderson Barrett Chambers Dacosta Ellis Fraser Graham Hamilton Jarrett Kerr Lindo Malcolm "
                  "Nelson Ormsby Pinnock Quashie Roper Sinclair Tulloch Usher Vassell Whyte Younge Bartley "
                  "Coke Dacres Ebanks Facey Gooden Hylton Lawes McFarlane Wedderburn".split()),
    "South Asian": ("Aarav Bhavna Chetan Divya Farhan Gita Harjit Ishaan Jasleen Kamran Lubna Manpreet Nikhil "
                    "Omkar Parminder Rizwan Saima Tanvir Uzma Varun Waqar Yasmin Zubair Anwar Sadia Ranjit "
                    "Hina Mehreen Sukhdev Tahira Ashok Rekha Shahid".split(),
                    "Agarwal Bains Chauhan Dutta Farooq Ghosh Hayat Jadeja Kapoor Lodhi Mirza Nawaz Obhrai "
                    "Pandya Rathore Saini Thakur Virdi Wahid Zaman Anand Bhatt Chadha Dar Grewal Haque Joshi "
                    "Khatun Lal Manji Randhawa Sethi Talukdar".split()),
    "Turkish": ("Aras Berk Canan Deniz Ebru Ferhat Gizem Hakan İpek Kaan Leyla Melike Nazlı Onur Pınar Rıza "
                "Seda Tarık Umut Vedat Yasemin Zehra Bülent Çağla Doğukan Ercan Gökhan Handan Irmak Levent "
                "Merve Necati Oya".split(),
                "Akın Bayram Coşkun Durmaz Ekinci Fidan Gök Hacıoğlu Işık Karakaya Limon Metin Nalbant Oral "
                "Pekcan Sönmez Taş Uysal Vural Yavuz Zorlu Altun Bozkurt Cengiz Duran Erdem Güler Kaplan "
                "Öztürk Sezer Tunç Yalçın Ateş".split()),
    "Eastern European": ("Aleksandra Bartosz Cezary Dorota Ewa Filip Grażyna Hubert Iwona Jakub Kamil Lidia "
                         "Maciej Natalia Oskar Patrycja Radosław Sylwia Teodor Urszula Valentin Wiktoria Zbigniew "
                         "Ana Cristian Gabriela Ionut Liviu Raluca Aurimas Gintarė Vytautas Yulia".split(),
                         "Adamczyk Baran Czarnecki Dąbrowski Jabłoński Kaczmarek Lis Michalski Nowicki Ostrowski "
                         "Pawlak Rutkowski Sikora Tomaszewski Urban Walczak Zając Constantin Gheorghe Moldovan "
                         "Radu Stoica Vasilescu Butkus Žukauskas Melnyk Tkachenko Hrabovsky Kovács Tóth Petrović "
                         "Marinov Volkova".split()),
    "Jewish": ("Akiva Bracha Dov Efraim Feige Gittel Hershel Itzik Kalman Lipa Mendy Nechama Pinchas Reuven "
               "Sima Tzvi Yaakov Zelda Aharon Bluma Dina Eliezer Freidy Golda Henya Leib Mirel Nosson Perel "
               "Raizy Shimon Tzipora Velvel".split(),
               "Abramovitz Bernstein Cahn Dreyfus Epstein Fishman Grossman Heller Jaffe Kessler Landau "
               "Marcus Neuberger Oppenheim Pinsker Rabinowitz Schneider Teitelbaum Ullmann Wasserman Zucker "
               "Aronson Blum Davidoff Eisner Frankel Gutman Hoffmann Isaacs Kahn Lazarus Mandel Rothschild".split()),
    "Somali": ("Abdikarim Bilan Caaliya Dahir Filsan Hamse Idil Khadar Luul Maryan Najma Qorane Roble Sucaad "
               "Tahliil Xamar Yurub Zakariye Abdiqani Burhan Cawo Deka Fartuun Hirsi Ilhan Kaltun Layla "
               "Mukhtar Nasra Qamar Rahma Sahal Timiro".split(),
               "Abdiqadir Bihi Cabdi Dirie Faarax Gurey Hirad Iman Kulmiye Lugod Maxamed Nuur Obsiye Qalib "
               "Roble Sugulle Tahlil Ugaas Waberi Xuseen Yare Afrah Bile Cumar Diriye Fiqi Geedi Hurre Jimale "
               "Kahin Mataan Noor Sahardiid".split()),
    "Chinese": ("Bao Chang Dong Fei Guang Jia Jian Lian Liang Na Ning Ping Qiang Rong Shan Tian Wen Xia Xue "
                "Yi Yong Zhong Bing Chao Dan Gang Heng Juan Kang Lu Min Qiu Shao".split(),
                "Bai Cai Deng Du Fan Feng Han Jiang Jin Kong Lei Liang Lu Meng Pan Qian Shen Song Tan Tian "
                "Wei Xie Yan Ye Yu Zeng Cheng Choi Fong Kwan Siu Tam Yeung".split()),
    "Arabic": ("Abir Bashar Dalia Emad Fadi Ghassan Hanan Imad Jamila Kareem Lamia Maher Nadine Osama Qusay "
               "Rami Sawsan Tamer Wafa Yara Zeina Alaa Basma Diaa Farah Haitham Ilham Jihad Khaled Lubna "
               "Marwan Nizar Raed".split(),
               "Abdelaziz Bitar Chehab Daher Fakhoury Ghandour Halabi Jabbour Kanaan Latif Maalouf Nakhle "
               "Obeid Qasem Rizk Sarkis Tannous Wehbe Yassin Zahran Azar Bazzi Dagher Farhat Haddadin "
               "Jaafar Khoury Moussa Najjar Rashid Saab Tawil Zein".split()),
}

PER_ORIGIN = 33


def build() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for o, (origin, (firsts, lasts)) in enumerate(NAMES.items()):
        for k in range(PER_ORIGIN):
            template = TEMPLATES[(k + 5 * o) % len(TEMPLATES)]
            first, last = firsts[k % len(firsts)], lasts[(k * 5 + o) % len(lasts)]
            second = firsts[(k + 11) % len(firsts)]
            text, spans = _fill(template.replace("{G}", "\x00"), first, last)
            if "\x00" in text:  # a second first name
                s = text.index("\x00")
                text = text.replace("\x00", second)
                spans = [(a + (len(second) - 1 if a > s else 0), b + (len(second) - 1 if b > s else 0)) for a, b in spans]
                spans.append((s, s + len(second)))
                spans.sort()
            rows.append({"origin": origin, "text": text, "names": [[a, b] for a, b in spans]})
    return rows


def main() -> None:
    with (HERE / "names_holdout.jsonl").open("w", encoding="utf-8") as fh:
        for r in build():
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
