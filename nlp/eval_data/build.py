"""Build the labelled redaction evaluation sets (names.jsonl, pii.jsonl).

Written before the redaction rules were tuned, and not changed to fit them: the sentences are
the kind of thing residents write in consultation answers (including lower-case typing and
names with no cue word), the names are common names of each origin. The redaction code has no
name list, so none of these names are "known" to it.

Run: python -m nlp.eval_data.build   (rewrites the .jsonl files next to this script)
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent

# {F} first name, {L} last name, {f} first name typed in lower case, {l} last name in lower case.
TEMPLATES = [
    "My neighbour {F} {L} has been complaining about the bins for months.",
    "I spoke to {F} at the housing office and she said nothing could be done.",
    "Please pass this on to Cllr {L}, she promised us a crossing in 2019.",
    "my son {F} walks to school along this road every day and its not safe",
    "We (me and {F}) use the library every Saturday, please don't close it.",
    "As {F} {L} from the residents association said at the meeting, the consultation was rushed.",
    "The cycle lane is a good idea but it needs to be wider. Thanks, {F}",
    "I object to the flats being built on the field.\nRegards\n{F} {L}",
    "{F} from number 12 agrees with me, the speed bumps are too high.",
    "The caretaker {F} does a great job keeping the stairwells clean.",
    "Mr {L} at the corner shop says trade is down since the road closure.",
    "I am writing on behalf of my mother, {F} {L}, who is 84 and can't use the internet.",
    "{F} and I have lived here 20 years and never seen the park this bad.",
    "Dr {L} at the surgery told us the air quality is making my daughter's asthma worse.",
    "Ask {F} on the estate, she knows everyone who's affected by the damp.",
    "My name is {F} {L} and I object to the plans for the car park.",
    "i'm {f}, 15, and there's nothing for young people to do round here",
    "Our support worker {F} has been brilliant but she's leaving and nobody is replacing her.",
    "I'd like {F} {L} to be contacted about the leak, it's been three weeks.",
    "Mrs {L} upstairs can't get her wheelchair out when the lift is broken.",
    "me and my friend {f} got stopped by police twice last month for no reason",
    "When {F} {L} was our councillor things actually got done.",
    "{F} says moving the bus stop will add 10 minutes to her walk.",
    "My husband {F} has to drive to work because there is no bus after 7pm.",
    "We were told by {F} {L} in planning that the application would be refused.",
    "Love the new play area! {F} and the kids go every day after school.",
    "Strongly support the low traffic neighbourhood. Signed {F} {L}",
    "Please could someone call {F} back about the missed collections.",
    "my nan {f} {l} fell on the broken pavement outside the co-op",
    "The youth worker, {F}, is the only reason I still go to the centre.",
    "I agree with what {F} {L} said at the meeting on Tuesday about the library.",
    "The {L} family at number 7 have had their car broken into twice.",
    "My daughter {F} is autistic and the changes to school transport will really affect her.",
    "Hi I'm {F} {L} and I run the Saturday market stall, the new fees will put me out of business.",
    "{F} {L} - strongly oppose",
    "tell {f} at the council the drains are blocked again",
    "I care for my brother {F} who is disabled and the new parking rules make it impossible.",
    "{F}'s mum can't afford the new parking permits.",
    "The lollipop lady {F} deserves a medal for standing on that junction.",
    "Last winter {F} {L} and her two children were placed in a hotel for four months.",
]

NAMES: dict[str, tuple[list[str], list[str]]] = {
    "English": (
        "Oliver Emily George Charlotte Harry Sophie Jack Lucy Thomas Hannah James Grace William Chloe "
        "Daniel Rebecca Samuel Jessica Joseph Megan Matthew Laura Benjamin Amy Edward Katie Henry Abigail "
        "Alfie Ellie Oscar Poppy Archie Holly Freddie Daisy".split(),
        "Smith Jones Taylor Brown Wilson Evans Thomas Johnson Roberts Walker Wright Robinson Thompson White "
        "Hughes Edwards Green Hall Wood Harris Lewis Martin Jackson Clarke Turner Hill Scott Cooper Morris "
        "Ward Moore King Watson Baker Harrison Parker".split(),
    ),
    "Irish": (
        "Siobhan Niamh Ciaran Aoife Padraig Saoirse Eoin Caoimhe Declan Roisin Fergal Grainne Cathal Sinead "
        "Donal Orla Colm Mairead Seamus Deirdre Tadhg Aisling Oisin Clodagh Lorcan Eimear Cian Bronagh Ronan "
        "Fionnuala Darragh Nuala Conor Ailbhe Diarmuid Maeve".split(),
        "O'Brien Murphy Kelly O'Sullivan Walsh O'Connor McCarthy Byrne Ryan O'Neill Doyle Gallagher Kennedy "
        "Lynch Quinn McLaughlin Brennan Fitzgerald Nolan Duffy Keane Moran Daly Reilly Flanagan Donnelly "
        "Power Healy Kavanagh Costello Hegarty McGrath Sheehan Coughlan Mulligan Brady".split(),
    ),
    "West African": (
        "Chidi Ngozi Oluwaseun Adaeze Kwame Abena Tunde Funmilayo Emeka Chiamaka Kofi Ama Yaw Efua Babajide "
        "Folake Obinna Nneka Kwabena Akosua Femi Yetunde Ikechukwu Amaka Kojo Adwoa Segun Bukola Uchenna "
        "Ifeoma Mamadou Aminata Ousmane Fatou Ebuka Temitope".split(),
        "Okonkwo Adeyemi Mensah Okafor Boateng Adebayo Owusu Nwosu Asante Oyelaran Eze Ogunleye Appiah Obi "
        "Acheampong Balogun Nwachukwu Osei Adewale Amoah Chukwu Oladipo Agyeman Ibe Darko Afolabi Onyeka "
        "Quaye Ezeh Bamidele Diallo Sow Ndiaye Ogundipe Okoro Danso".split(),
    ),
    "Caribbean": (
        "Delroy Marcia Winston Shanice Leroy Beverley Errol Claudette Desmond Paulette Clive Jermaine Tyrone "
        "Kemar Shanique Andre Keisha Devon Marlon Yvonne Neville Hyacinth Courtney Tamika Dwayne Monique "
        "Junior Precious Lloyd Sonia Carlton Lorna Jamal Tanisha Rohan Simone".split(),
        "Campbell Brown Williams Grant Bailey Reid Thompson Morgan Clarke Francis McKenzie Henry Gordon "
        "Stewart Lewis Johnson Robinson Walker Richards Samuels Blake Bennett Edwards Spencer Powell Gayle "
        "Forbes Phillips Allen Daley Hinds Beckford Nembhard Ferguson Senior Josephs".split(),
    ),
    "South Asian": (
        "Priya Rajesh Aisha Mohammed Sunita Arjun Fatima Imran Harpreet Gurpreet Deepak Nusrat Anjali Rahul "
        "Shabana Vikram Kiran Sanjay Farzana Tariq Meera Asif Parveen Amit Rukhsana Sunil Shazia Jaswinder "
        "Nadia Ravi Sabina Hamza Pooja Bilal Lakshmi Abdul".split(),
        "Patel Khan Singh Ahmed Hussain Sharma Begum Kaur Iqbal Chaudhry Shah Mistry Rahman Ali Gill Sandhu "
        "Akhtar Malik Bibi Choudhury Islam Kumar Gupta Nair Desai Mahmood Aziz Uddin Bhatti Siddiqui "
        "Qureshi Dhillon Chopra Rao Mehta Parekh".split(),
    ),
    "Turkish": (
        "Mehmet Ayşe Mustafa Fatma Ahmet Zeynep Emre Elif Hüseyin Emine Murat Hatice Ali Gül Hasan Özlem "
        "Kemal Selin Burak Derya Serkan Aylin Cem Esra Volkan Sibel Okan Tuba Erdem Nurcan Yusuf Hulya "
        "Orhan Defne Baris Sule".split(),
        "Yılmaz Kaya Demir Sahin Çelik Yildiz Yıldırım Ozturk Aydın Özdemir Arslan Dogan Kılıç Aslan Cetin "
        "Kara Koç Kurt Özkan Simsek Polat Korkmaz Erdoğan Gunes Aksoy Tekin Uçar Bulut Keskin Ünal Acar "
        "Karaca Gündoğdu Toprak Sarı Çakır".split(),
    ),
    "Eastern European": (
        "Agnieszka Piotr Katarzyna Tomasz Magdalena Krzysztof Andrei Ioana Mihai Elena Vasile Daria Jonas "
        "Ruta Mindaugas Ieva Oksana Dmytro Svetlana Sergei Marek Zuzana Bogdan Irina Pawel Joanna Florin "
        "Alina Dariusz Beata Tadas Laima Nikolai Olena Lukasz Monika".split(),
        "Kowalski Nowak Wiśniewska Wojcik Kowalczyk Kamińska Lewandowski Zielinski Popescu Ionescu Popa Stan "
        "Dumitrescu Kazlauskas Petrauskas Jankauskienė Shevchenko Kovalenko Bondarenko Ivanov Petrova "
        "Horvath Novak Dvořák Szabo Nagy Georgiev Dimitrova Mazur Krawczyk Grabowski Pavlović Jovanovic "
        "Kozlov Sokolova Balan".split(),
    ),
    "Jewish": (
        "Miriam Yosef Rivka Moshe Chaya Shmuel Esther Avraham Sarah Yitzchak Leah Menachem Rachel Dovid "
        "Devorah Eli Naomi Mordechai Shoshana Ari Tova Benjamin Yael Chaim Malka Shlomo Batsheva Gideon "
        "Hadassah Baruch Ruth Zev Aviva Noam Talia Yehuda".split(),
        "Cohen Levy Goldberg Rosenberg Friedman Schwartz Katz Weiss Shapiro Greenberg Rubin Kaplan "
        "Silverman Feldman Berkowitz Horowitz Adler Stern Gold Rosen Klein Abrahams Jacobs Lipman Halpern "
        "Segal Bloom Mendel Hirsch Goldstein Finkelstein Lowenthal Perlman Sassoon Brodsky Salomon".split(),
    ),
    "Somali": (
        "Abdirahman Hodan Mohamed Ayaan Abdullahi Faduma Ahmed Hawa Ismail Sahra Yusuf Ubah Hassan Ifrah "
        "Omar Nimco Abdi Hibo Jama Khadra Mahad Ladan Farah Sagal Warsame Deeqa Liban Asha Guled Hamdi "
        "Bashir Shukri Yasin Anab Said Muna".split(),
        "Abdi Mohamed Hassan Ali Warsame Farah Jama Osman Abdullahi Hussein Ahmed Nur Aden Ismail Yusuf Egal "
        "Dualeh Elmi Hersi Omar Samatar Guled Mohamud Ibrahim Barre Shire Duale Adan Gelle Awale Mahamud "
        "Qasim Haji Sheikh Abdirahman Musse".split(),
    ),
    "Chinese": (
        "Wei Jing Hao Mei Jun Xiu Lei Ying Yan Ming Hui Jie Lin Feng Qing Zhen Ling Bo Xin Tao Yun Kai Fang "
        "Peng Lan Hong Shu Rui Ting Chun Hua Zhi Yu Ka-wai Siu-ming Xiaoling".split(),
        "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin Luo Gao Cheung Wong Chan "
        "Leung Lau Ng Tang Ho Yip Lam Chow Tsang Kwok Lo Fung Mak Tse".split(),
    ),
    "Arabic": (
        "Ahmed Layla Omar Yasmin Khalid Noor Youssef Mariam Karim Huda Tariq Rania Samir Dina Walid Salma "
        "Faisal Amira Hamza Leila Nabil Rasha Jamal Hala Ibrahim Zainab Bilal Lina Mahmoud Samira Adel Reem "
        "Ziad Nour Anas Ghada".split(),
        "Al-Sayed Haddad Mansour Khalil Nasser Hamdan Saleh Darwish Abboud Farouk Aziz Habib Said Qasim "
        "Hijazi Karam Suleiman Nassar Othman Yousef El-Masri Awad Rahim Shaheen Barakat Jaber Zaki Hassan "
        "Al-Amin Abdallah Sabbagh Kassem Bakr Hammoud Issa El-Khatib".split(),
    ),
}

PER_ORIGIN = 36


def _fill(template: str, first: str, last: str) -> tuple[str, list[tuple[int, int]]]:
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    length = 0
    while pos < len(template):
        if template[pos] == "{" and template[pos + 2 : pos + 3] == "}":
            key = template[pos + 1]
            value = {"F": first, "L": last, "f": first.lower(), "l": last.lower()}[key]
            spans.append((length, length + len(value)))
            out.append(value)
            length += len(value)
            pos += 3
        else:
            out.append(template[pos])
            length += 1
            pos += 1
    text = "".join(out)
    # "First Last" adjacent placeholders form one name span
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and text[merged[-1][1] : s] == " ":
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return text, merged


def build_names() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for o, (origin, (firsts, lasts)) in enumerate(NAMES.items()):
        for k in range(PER_ORIGIN):
            template = TEMPLATES[(k + 3 * o) % len(TEMPLATES)]
            first = firsts[k % len(firsts)]
            last = lasts[(k * 7 + o) % len(lasts)]
            text, spans = _fill(template, first, last)
            rows.append({"origin": origin, "text": text, "names": [[s, e] for s, e in spans]})
    return rows


PII_TEMPLATES = [
    ("EMAIL", "You can email me at {v} if you want more details.", [
        "j.smith@gmail.com", "sarah_k99@hotmail.co.uk", "info@greenstreet-residents.org.uk",
        "Tom.Baker@btinternet.com", "PAUL.WEST@YAHOO.COM", "a.b+consult@outlook.com", "mo.ali@nhs.net",
        "kemi.adeyemi@student.manchester.ac.uk", "chair@friendsofthepark.org", "d_okafor1985@icloud.com",
        "zeynep.k@live.co.uk", "m.kowalski@wp.pl",
    ]),
    ("EMAIL", "contact {v}", [
        "jane dot doe at gmail dot com", "bob(at)example.com", "karen [at] yahoo.co.uk",
        "ahmed.hussain @ gmail.com", "l.cohen@jewishcare.org",
    ]),
    ("PHONE", "Please ring me on {v}, I'm in most evenings.", [
        "07700 900123", "07700900123", "+44 7700 900123", "+447700900123", "(0161) 496 0123",
        "0161 496 0123", "020 7946 0958", "0208 123 4567", "01632 960001", "0800 123 4567",
        "+44 (0) 7700 900456", "0044 7700 900789", "07700-900-321", "0113 496 0000", "029 2018 0123",
        "01223 123456", "07911 123 456",
    ]),
    ("PHONE", "my mobile is {v}", ["07123456789", "07 700 900 555", "0121-496-0765", "078 1234 5678"]),
    ("POSTCODE", "We live in {v} and the traffic is terrible.", [
        "SW1A 1AA", "sw1a 1aa", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "LS6 2QT",
        "W1A 0AX", "ls62qt", "NW10 5HL", "BS1 4DJ", "E1 6AN", "G12 8QQ", "CF10 3NQ", "n17 0ap",
    ]),
    ("POSTCODE", "postcode {v}, near the school", ["TW3 1LF", "RM6 4XE", "L8 7LB", "PO1 3AX"]),
]


def build_pii() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for kind, template, values in PII_TEMPLATES:
        for v in values:
            text = template.replace("{v}", v)
            s = text.index(v)
            rows.append({"kind": kind, "text": text, "span": [s, s + len(v)]})
    return rows


def main() -> None:
    for name, rows in (("names.jsonl", build_names()), ("pii.jsonl", build_pii())):
        with (HERE / name).open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
