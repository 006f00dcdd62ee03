"""Built-in phrases per language (ISO 639-1): calls to action, paid-partnership
disclosures and hook phrases, and how text is folded for matching them.

Data only, plus :func:`fold`. The lists are written as a creator says or captions them;
:mod:`scoring.analyzers.mentions` folds both sides (case, Latin/Arabic diacritics, width)
before matching, so "publicité", "PUBLICITE" and "Publicite" are one phrase. Languages
written without spaces between words (:data:`UNSPACED`) are matched as substrings.

Covered: en es pt fr de it nl tr id vi ar hi ur ja ko zh ru pl. A campaign adds its own per
language (``[phrases.<code>]`` in the campaign TOML).
"""

from __future__ import annotations

import re
import unicodedata

# Scripts written without spaces between words: phrases are found as substrings.
UNSPACED = frozenset({"ja", "zh", "ko", "th"})
_UNSPACED_CHARS = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f\uff66-\uff9f]")

CTA: dict[str, tuple[str, ...]] = {
    "en": ("link in bio", "link in my bio", "link in the bio", "link below", "tap the link", "click the link",
           "use code", "use my code", "promo code", "discount code", "shop now", "buy now", "order now",
           "get yours", "grab yours", "get it now", "check it out", "try it now", "swipe up", "sign up",
           "download now", "learn more", "limited time", "percent off"),
    "es": ("link en la bio", "enlace en la bio", "link en mi bio", "enlace en mi perfil", "usa el código",
           "usa mi código", "código de descuento", "compra ya", "cómpralo ya", "cómpralo", "consíguelo",
           "pídelo ya", "descuento", "oferta por tiempo limitado", "haz clic en el enlace", "desliza hacia arriba"),
    "pt": ("link na bio", "link no perfil", "use o cupom", "use meu cupom", "use o código", "cupom de desconto",
           "compre já", "compre agora", "garanta o seu", "clique no link", "desconto", "arrasta pra cima"),
    "fr": ("lien en bio", "lien dans ma bio", "lien dans la bio", "code promo", "utilise le code",
           "utilisez le code", "achète maintenant", "achetez maintenant", "commande maintenant", "clique sur le lien",
           "réduction", "offre limitée"),
    "de": ("link in der bio", "link in meiner bio", "link in bio", "rabattcode", "mit dem code", "code nutzen",
           "gutscheincode", "jetzt kaufen", "jetzt bestellen", "jetzt sichern", "klick auf den link", "rabatt"),
    "it": ("link in bio", "link nella bio", "codice sconto", "usa il codice", "usa il mio codice",
           "compra ora", "acquista ora", "ordina ora", "clicca sul link", "sconto", "offerta limitata"),
    "nl": ("link in bio", "link in mijn bio", "kortingscode", "gebruik code", "gebruik mijn code", "koop nu",
           "bestel nu", "klik op de link", "korting"),
    "tr": ("link bioda", "linki bioda", "bio'daki link", "indirim kodu", "kodumu kullan", "kodu kullan",
           "hemen al", "şimdi al", "sipariş ver", "linke tıkla", "indirim"),
    "id": ("link di bio", "cek link di bio", "kode promo", "pakai kode", "gunakan kode", "kode diskon",
           "beli sekarang", "checkout sekarang", "klik link", "diskon", "buruan"),
    "vi": ("link ở bio", "link trong bio", "mã giảm giá", "dùng mã", "nhập mã", "mua ngay", "đặt hàng ngay",
           "bấm vào link", "giảm giá"),
    "ar": ("الرابط في البايو", "الرابط في الوصف", "كود الخصم", "استخدم كود", "استخدموا كود", "اشتري الآن",
           "اطلب الآن", "اضغط على الرابط", "خصم"),
    "hi": ("लिंक बायो में", "बायो में लिंक", "कोड इस्तेमाल", "डिस्काउंट कोड", "अभी खरीदें", "अभी ऑर्डर करें",
           "लिंक पर क्लिक", "छूट", "link in bio"),
    "ur": ("لنک بائیو میں", "بائیو میں لنک", "ڈسکاؤنٹ کوڈ", "کوڈ استعمال", "ابھی خریدیں", "ابھی آرڈر کریں", "لنک پر کلک"),
    "ja": ("プロフィールのリンク", "プロフィールリンク", "リンクはプロフ", "クーポンコード", "割引コード", "今すぐ購入",
           "今すぐチェック", "詳しくはプロフィール", "割引"),
    "ko": ("프로필 링크", "링크는 프로필", "할인 코드", "쿠폰 코드", "지금 구매", "지금 주문", "링크 클릭", "할인"),
    "zh": ("主页链接", "链接在主页", "优惠码", "折扣码", "立即购买", "马上购买", "点击链接", "优惠"),
    "ru": ("ссылка в био", "ссылка в профиле", "промокод", "купить сейчас", "заказать сейчас", "скидка"),
    "pl": ("link w bio", "kod rabatowy", "użyj kodu", "kup teraz", "zamów teraz", "zniżka"),
}

DISCLOSURE: dict[str, tuple[str, ...]] = {
    "en": ("paid partnership", "sponsored", "in partnership with", "partnered with", "brand partner",
           "paid promotion", "gifted", "hashtag ad", "#ad", "#sponsored", "#spon", "advertisement"),
    "es": ("publicidad", "#publi", "patrocinado", "colaboración pagada", "en colaboración con", "anuncio"),
    "pt": ("publicidade", "#publi", "patrocinado", "parceria paga", "em parceria com", "#parceria"),
    "fr": ("publicité", "#pub", "sponsorisé", "partenariat rémunéré", "en partenariat avec", "collaboration commerciale"),
    "de": ("anzeige", "werbung", "#werbung", "#anzeige", "bezahlte partnerschaft", "gesponsert", "in kooperation mit"),
    "it": ("pubblicità", "#adv", "sponsorizzato", "partnership retribuita", "in collaborazione con"),
    "nl": ("advertentie", "reclame", "gesponsord", "betaalde samenwerking", "in samenwerking met"),
    "tr": ("reklam", "#reklam", "işbirliği", "ücretli ortaklık", "sponsorlu"),
    "id": ("iklan", "#iklan", "bersponsor", "disponsori", "kemitraan berbayar", "kerja sama berbayar"),
    "vi": ("quảng cáo", "#quangcao", "hợp tác có trả phí", "được tài trợ", "tài trợ"),
    "ar": ("إعلان", "#إعلان", "اعلان", "إعلان مدفوع", "برعاية", "شراكة مدفوعة"),
    "hi": ("विज्ञापन", "प्रायोजित", "सशुल्क साझेदारी", "पेड पार्टनरशिप"),
    "ur": ("اشتہار", "سپانسرڈ", "بامعاوضہ شراکت"),
    "ja": ("広告", "#pr", "プロモーション", "タイアップ", "提供", "スポンサー"),
    "ko": ("광고", "#광고", "유료 광고", "협찬", "유료 파트너십"),
    "zh": ("广告", "赞助", "合作推广"),
    "ru": ("реклама", "#реклама", "спонсор", "платное партнерство"),
    "pl": ("reklama", "#reklama", "współpraca płatna", "sponsorowane"),
}

HOOK: dict[str, tuple[str, ...]] = {  # scroll-stoppers said in the first seconds (besides questions)
    "es": ("espera", "deja de hacer scroll", "para de hacer scroll", "no vas a creer", "sabías que",
           "nadie habla de", "tienes que ver esto", "tienes que probar", "esto cambió mi vida", "el secreto",
           "opinión impopular", "mira hasta el final", "te cuento", "pov"),
    "pt": ("espera", "para de rolar", "você não vai acreditar", "você sabia", "ninguém fala", "você precisa ver",
           "você precisa testar", "isso mudou minha vida", "o segredo", "opinião impopular", "assista até o final", "pov"),
    "fr": ("attends", "attendez", "arrête de scroller", "tu vas pas croire", "tu ne vas pas croire", "tu savais",
           "personne ne parle", "il faut que tu voies", "ça a changé ma vie", "le secret", "regarde jusqu'à la fin", "pov"),
    "de": ("warte", "wartet", "hör auf zu scrollen", "du wirst nicht glauben", "wusstest du", "keiner redet",
           "niemand redet", "das musst du sehen", "das hat mein leben verändert", "das geheimnis",
           "bis zum ende schauen", "pov"),
    "it": ("aspetta", "smetti di scrollare", "non ci crederai", "lo sapevi", "nessuno parla", "devi vedere",
           "mi ha cambiato la vita", "il segreto", "guarda fino alla fine", "pov"),
    "nl": ("wacht", "stop met scrollen", "je gelooft het niet", "wist je dat", "niemand praat", "dit moet je zien",
           "dit veranderde mijn leven", "het geheim", "kijk tot het einde", "pov"),
    "tr": ("bekle", "kaydırmayı bırak", "inanmayacaksın", "biliyor muydun", "kimse bahsetmiyor", "bunu görmelisin",
           "hayatımı değiştirdi", "sırrı", "sonuna kadar izle", "pov"),
    "id": ("tunggu", "stop scroll", "kalian gak bakal percaya", "kalian tahu gak", "gak ada yang bahas",
           "kalian harus lihat", "ini mengubah hidupku", "rahasia", "tonton sampai habis", "pov"),
    "vi": ("khoan đã", "đợi đã", "dừng lướt", "bạn sẽ không tin", "bạn có biết", "không ai nói", "bạn phải xem",
           "thay đổi cuộc đời", "bí mật", "xem đến cuối", "pov"),
    "ar": ("انتظر", "استنى", "توقف عن التمرير", "لن تصدق", "هل تعلم", "محدش بيتكلم", "لازم تشوف", "السر",
           "غير حياتي", "شوف للآخر"),
    "hi": ("रुको", "रुकिए", "स्क्रॉल करना बंद", "यकीन नहीं होगा", "क्या आप जानते हैं", "क्या आपको पता है",
           "कोई नहीं बताता", "ये देखना", "राज़", "ज़िंदगी बदल", "आखिर तक देखें"),
    "ur": ("رکو", "رکیں", "یقین نہیں آئے گا", "کیا آپ جانتے ہیں", "کوئی نہیں بتاتا", "آخر تک دیکھیں"),
    "ja": ("待って", "ちょっと待って", "スクロールしないで", "信じられない", "知ってた", "誰も教えてくれない",
           "見てほしい", "人生変わった", "秘密", "最後まで見て"),
    "ko": ("잠깐", "잠깐만", "스크롤 멈춰", "믿기지 않", "알고 계셨나요", "아무도 말 안 해", "꼭 보세요",
           "인생이 바뀌", "비밀", "끝까지 보세요"),
    "zh": ("等一下", "别划走", "你不会相信", "你知道吗", "没人告诉你", "一定要看", "改变了我的生活", "秘密", "看到最后"),
    "ru": ("подожди", "стоп", "не поверите", "а вы знали", "никто не говорит", "это надо видеть", "секрет",
           "досмотри до конца"),
    "pl": ("czekaj", "przestań scrollować", "nie uwierzysz", "czy wiesz", "nikt o tym nie mówi", "musisz to zobaczyć",
           "sekret", "obejrzyj do końca"),
}

# Words that open a question (the hook "a question"), besides a "?" or "¿".
QUESTION_WORDS: dict[str, tuple[str, ...]] = {
    "es": ("qué", "por qué", "cómo", "sabías", "alguna vez", "quién", "cuál"),
    "pt": ("o que", "por que", "como", "você sabia", "quem", "qual"),
    "fr": ("pourquoi", "comment", "est-ce que", "qui", "quel", "quelle", "tu savais"),
    "de": ("warum", "wieso", "wie", "was", "wer", "wusstest", "hast du", "kennst du"),
    "it": ("perché", "come", "cosa", "chi", "sapevi", "hai mai"),
    "nl": ("waarom", "hoe", "wat", "wie", "wist je", "heb je ooit"),
    "tr": ("neden", "nasıl", "ne", "kim", "biliyor musun"),
    "id": ("kenapa", "mengapa", "bagaimana", "apa", "siapa", "pernah gak"),
    "vi": ("tại sao", "làm sao", "bạn có", "có ai"),
}

LANGUAGES = tuple(sorted(CTA))
# Hindi and Urdu are one spoken language; Whisper writes it in either script.
SPOKEN_ALSO = {"hi": ("ur",), "ur": ("hi",)}


def spoken_languages(language: str) -> list[str]:
    """The phrase languages to look for in speech detected as ``language``."""
    return [language, *SPOKEN_ALSO.get(language, ())]


def _drop_marks(base: str) -> bool:
    """Diacritics on these scripts are dropped when folding (Latin, Greek, Cyrillic, Arabic,
    Hebrew); Indic vowel signs, kana voicing marks and the like are letters and stay."""
    return base < "\u0590" or "\u0600" <= base <= "\u06ff" or "\u0750" <= base <= "\u077f"


_ARABIC = str.maketrans({"ة": "ه", "ى": "ي", "ـ": None})


def fold(text: str) -> str:
    """Text folded for matching: compatibility forms (full-width, ligatures), case, and the
    diacritics of Latin, Greek, Cyrillic and Arabic letters (``quảng cáo`` -> ``quang cao``,
    ``إعلان`` -> ``اعلان``; ``ı`` and ``İ`` -> ``i``); other scripts keep their marks.
    ``đ``/``ø``/``ł``, which have no decomposition, become ``d``/``o``/``l``."""
    out: list[str] = []
    base = " "
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch):
            if _drop_marks(base):
                continue
        else:
            base = ch
        out.append(ch)
    folded = unicodedata.normalize("NFC", "".join(out)).casefold()
    return folded.translate(_ARABIC).replace("đ", "d").replace("ø", "o").replace("ł", "l").replace("ı", "i")


def unspaced(text: str) -> bool:
    """True when ``text`` holds Japanese, Chinese, Korean or Thai characters."""
    return bool(_UNSPACED_CHARS.search(text))


def for_languages(table: dict[str, tuple[str, ...]], languages) -> list[str]:
    """The phrases of ``table`` for ``languages`` (in that order, duplicates dropped)."""
    out: list[str] = []
    for lang in languages:
        for phrase in table.get(lang, ()):
            if phrase not in out:
                out.append(phrase)
    return out


def contains(text: str, phrase: str) -> bool:
    """``phrase`` said or written in ``text``, both folded (:func:`fold`): as whole words, or
    as a substring for scripts without spaces. Punctuation in ``text`` counts as a space."""
    if not phrase.strip():
        return False
    f_text, f_phrase = fold(text), fold(phrase)
    if unspaced(f_phrase):
        return re.sub(r"\s+", "", f_phrase) in re.sub(r"[\s\W]+", "", f_text)
    words = " ".join(re.sub(r"[^\w'’#]+", " ", f_text).split())
    want = " ".join(re.sub(r"[^\w'’#]+", " ", f_phrase).split())
    return bool(re.search(r"(?<![\w#])" + re.escape(want) + r"(?!\w)", words))
