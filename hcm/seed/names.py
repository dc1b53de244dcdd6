"""Embedded name lists (an international mix, ASCII only, so e-mail addresses are derived without
transliteration). Nothing is downloaded."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())

FEMALE = _words("""
Anna Maria Laura Sofia Emma Olivia Ava Mia Isabella Charlotte Amelia Harper Evelyn Abigail Emily Ella Elizabeth
Camila Luna Sara Hannah Lea Lena Julia Clara Marie Nora Alice Ines Helena Eva Ida Freya Astrid Ingrid Sigrid Maja
Zofia Agnieszka Katarzyna Magdalena Ewa Petra Jana Lucie Tereza Eszter Zsofia Ioana Elena Andreea Irina Olga Natalia
Daria Tatiana Svetlana Ana Lucia Carmen Pilar Rocio Beatriz Mariana Gabriela Fernanda Valentina Paula Chiara Giulia
Francesca Alessia Martina Aisha Fatima Leila Yasmin Amira Noor Zara Priya Ananya Kavya Meera Divya Sunita Mei Ling
Yuki Hana Sakura Aiko Min Jiwoo Seoyeon Thu Linh Mai Grace Chloe Zoe Ruby Lily Sophie Jessica Rachel Rebecca Megan
Lauren Hailey Naomi Esther Miriam Tamar Adaeze Chiamaka Amara Nia Imani Zainab Ngozi Wanjiru Akosua Lindiwe Thandiwe
""")

MALE = _words("""
James John Robert Michael William David Richard Joseph Thomas Daniel Matthew Andrew Joshua Christopher Benjamin
Samuel Oliver Jack Harry George Noah Liam Lucas Leon Paul Jonas Felix Max Elias Finn Lukas Jan Piotr Tomasz Marek
Pavel Jakub Ondrej Martin Peter Istvan Bence Andrei Mihai Stefan Dmitri Sergei Alexei Ivan Nikolai Carlos Miguel
Javier Pablo Diego Alejandro Rafael Joao Pedro Tiago Mateus Marco Luca Giovanni Matteo Alessandro Francesco Omar
Ahmed Youssef Karim Hassan Ali Mehmet Emre Arjun Rahul Vikram Rohan Aditya Sanjay Wei Jun Hao Chen Kenji Hiroshi
Takumi Minho Jisoo Duc Minh Nathan Ethan Ryan Adam Aaron Isaac Gabriel Victor Hugo Louis Antoine Pierre Emeka
Chinedu Kwame Kofi Tunde Sipho Thabo Jabari Kamau Mandla Erik Lars Nils Magnus Henrik Sven Olaf Bjorn Mikael
""")

NEUTRAL = _words("""
Alex Sam Jordan Taylor Morgan Robin Kim Charlie Jamie Riley Quinn Avery Rowan Sasha Noa Ari Kai Eden Remy Toni
""")

LAST = _words("""
Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson Thompson White
Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker Nelson Carter Mitchell
Roberts Turner Phillips Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan Cooper
Peterson Reed Bailey Bell Kelly Howard Ward Cox Richardson Wood Watson Brooks Bennett Gray Hughes Price Sanders
Myers Long Ross Foster Powell Jenkins Perry Russell Sullivan Fisher Henderson Hamilton Graham Wallace Woods Cole
West Jordan Owens Reynolds Ellis Harrison Gibson McDonald Marshall Murray Ford Hayes Stone Warren Webb Hunt
Mueller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein Wolf Neumann
Schwarz Zimmermann Braun Krueger Hartmann Lange Werner Krause Lehmann Kaiser Fuchs Peters Vogel Bauer Frank
Dubois Durand Lefebvre Moreau Laurent Simon Michel Garcia Bernard Petit Roux Fournier Girard Bonnet Dupont
Lambert Fontaine Rousseau Vincent Mercier Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino
Greco Bruno Gallo Conti DeLuca Costa Giordano Mancini Rizzo Lombardi Moretti Fernandez Lopez Martinez Sanchez
Perez Gomez Diaz Hernandez Alvarez Romero Navarro Torres Ramirez Ruiz Flores Castro Ortiz Morales Silva Santos
Oliveira Pereira Ferreira Rodrigues Almeida Carvalho Sousa Ribeiro Nowak Kowalski Wisniewski Wojcik Kaminski
Lewandowski Zielinski Szymanski Novak Svoboda Dvorak Cerny Prochazka Horvath Nagy Toth Szabo Kovacs Popescu
Ionescu Popa Ivanov Petrov Smirnov Volkov Sokolov Kuznetsov Jensen Nielsen Hansen Pedersen Andersen Larsen
Johansson Karlsson Nilsson Eriksson Lindberg Berg Haugen Virtanen Korhonen Makinen Yilmaz Kaya Demir Sahin
Celik Khan Ahmed Hussain Rahman Haddad Nasser Aziz Sharma Patel Singh Gupta Kumar Reddy Iyer Nair Mehta Joshi
Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Tanaka Suzuki Takahashi Watanabe Ito Yamamoto Nakamura Sato
Kim Lee Park Choi Jung Kang Nguyen Tran Le Pham Hoang Okafor Adeyemi Mensah Owusu Mwangi Otieno Nkosi Dlamini
Abebe Tadesse Osei Boateng Eze Nwosu Cohen Levi Friedman Katz OBrien Murphy Byrne Walsh Doyle Kennedy Lynch
""")
