"""Generated pages in the seven installed languages, for lang=auto: prose of each language drawn
with a real font, its truth beside it."""

import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONTS = Path("/usr/share/fonts/truetype/dejavu")

PROSE: dict[str, tuple[str, ...]] = {
    "eng": (
        "The town council met on Tuesday evening to discuss the new library.",
        "Several neighbours asked whether the old bridge would be repaired this year.",
        "Our train was delayed because of the heavy snow near the mountains.",
        "She bought bread, cheese and a bottle of milk at the market.",
        "The children walked to school through the quiet streets of the village.",
        "Please send the signed contract back to our office before Friday.",
        "The weather forecast promises sunshine and warm wind for the weekend.",
        "He has worked in the hospital kitchen for almost twenty years.",
    ),
    "deu": (
        "Der Gemeinderat traf sich am Dienstagabend, um über die neue Bücherei zu sprechen.",
        "Mehrere Nachbarn fragten, ob die alte Brücke in diesem Jahr repariert wird.",
        "Unser Zug hatte Verspätung wegen des starken Schneefalls in den Bergen.",
        "Sie kaufte Brot, Käse und eine Flasche Milch auf dem Wochenmarkt.",
        "Die Kinder gingen durch die ruhigen Straßen des Dorfes zur Schule.",
        "Bitte schicken Sie den unterschriebenen Vertrag bis Freitag zurück.",
        "Der Wetterbericht verspricht für das Wochenende Sonne und warmen Wind.",
        "Er arbeitet seit fast zwanzig Jahren in der Küche des Krankenhauses.",
    ),
    "fra": (
        "Le conseil municipal s'est réuni mardi soir pour parler de la nouvelle bibliothèque.",
        "Plusieurs voisins ont demandé si le vieux pont serait réparé cette année.",
        "Notre train a été retardé à cause de la neige tombée près des montagnes.",
        "Elle a acheté du pain, du fromage et une bouteille de lait au marché.",
        "Les enfants marchaient vers l'école à travers les rues calmes du village.",
        "Veuillez renvoyer le contrat signé à notre bureau avant vendredi.",
        "La météo annonce du soleil et un vent chaud pour le week-end.",
        "Il travaille dans la cuisine de l'hôpital depuis presque vingt ans.",
    ),
    "spa": (
        "El ayuntamiento se reunió el martes por la noche para hablar de la nueva biblioteca.",
        "Varios vecinos preguntaron si el puente viejo se arreglaría este año.",
        "Nuestro tren llegó tarde por la nieve que cayó cerca de las montañas.",
        "Ella compró pan, queso y una botella de leche en el mercado.",
        "Los niños caminaban a la escuela por las calles tranquilas del pueblo.",
        "Por favor, devuelva el contrato firmado a nuestra oficina antes del viernes.",
        "El pronóstico del tiempo anuncia sol y viento cálido para el fin de semana.",
        "Él trabaja en la cocina del hospital desde hace casi veinte años.",
    ),
    "ita": (
        "Il consiglio comunale si è riunito martedì sera per parlare della nuova biblioteca.",
        "Diversi vicini hanno chiesto se il vecchio ponte sarà riparato quest'anno.",
        "Il nostro treno era in ritardo a causa della neve caduta vicino alle montagne.",
        "Lei ha comprato pane, formaggio e una bottiglia di latte al mercato.",
        "I bambini camminavano verso la scuola per le strade tranquille del paese.",
        "Vi preghiamo di rispedire il contratto firmato al nostro ufficio entro venerdì.",
        "Le previsioni del tempo promettono sole e vento caldo per il fine settimana.",
        "Lui lavora nella cucina dell'ospedale da quasi vent'anni.",
    ),
    "por": (
        "A câmara municipal reuniu-se na terça-feira à noite para falar da nova biblioteca.",
        "Vários vizinhos perguntaram se a ponte velha seria reparada este ano.",
        "O nosso comboio atrasou-se por causa da neve que caiu perto das montanhas.",
        "Ela comprou pão, queijo e uma garrafa de leite no mercado.",
        "As crianças caminhavam para a escola pelas ruas tranquilas da aldeia.",
        "Por favor, devolva o contrato assinado ao nosso escritório antes de sexta-feira.",
        "A previsão do tempo promete sol e vento quente para o fim de semana.",
        "Ele trabalha na cozinha do hospital há quase vinte anos.",
    ),
    "nld": (
        "De gemeenteraad kwam dinsdagavond bijeen om over de nieuwe bibliotheek te praten.",
        "Verschillende buren vroegen of de oude brug dit jaar gerepareerd wordt.",
        "Onze trein had vertraging door de zware sneeuwval bij de bergen.",
        "Zij kocht brood, kaas en een fles melk op de markt.",
        "De kinderen liepen door de rustige straten van het dorp naar school.",
        "Stuur het ondertekende contract alstublieft voor vrijdag terug naar ons kantoor.",
        "Het weerbericht belooft zon en een warme wind voor het weekend.",
        "Hij werkt al bijna twintig jaar in de keuken van het ziekenhuis.",
    ),
}
LANGUAGES = tuple(PROSE)


@dataclass(frozen=True, slots=True)
class LanguagePage:
    name: str
    language: str
    image: Image.Image
    truth: str


def _wrapped(sentences: list[str], font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in " ".join(sentences).split():
        candidate = f"{current} {word}".strip()
        if current and font.getlength(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def language_page(
    language: str, seed: int, *, size: int = 30, width: int = 2480, repeats: int = 4
) -> LanguagePage:
    """A page of prose in `language`: its sentences `repeats` times, shuffled by `seed`, drawn
    at `size` (an A4 page at 300 dpi is 2480 pixels wide)."""
    rng = random.Random(f"{language}-{seed}")
    sentences = list(PROSE[language]) * repeats
    rng.shuffle(sentences)
    font = ImageFont.truetype(str(FONTS / rng.choice(["DejaVuSans.ttf", "DejaVuSerif.ttf"])), size)
    lines = _wrapped(sentences, font, width - 320)
    pitch = int(size * 1.6)
    image = Image.new("L", (width, 160 + pitch * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((160, 80 + index * pitch), line, fill=0, font=font)
    image.info["dpi"] = (300, 300)
    return LanguagePage(f"{language}-{seed}", language, image, "\n".join(lines))


def language_pages(per_language: int = 4, *, repeats: int = 7) -> list[LanguagePage]:
    """Pages of 10 to 12 point text at 300 dpi; with 7 repeats, as full as a typed A4 page."""
    return [
        language_page(language, seed, size=40 + 4 * (seed % 3), repeats=repeats)
        for language in LANGUAGES
        for seed in range(per_language)
    ]
