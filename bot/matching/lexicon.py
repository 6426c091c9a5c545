"""Built-in English word lists the normalizer and matcher share.

These are language facts, not content: contractions, chat-speak, common
misspellings of treatment words, and the function words that should never
carry a match on their own. Editors add their own synonyms in the content
pack; everything here applies to every pack.

Rules of thumb for editing the tables:

* Only map a token when the reading is unambiguous in a chat with a treatment
  center. "ya" (yes or you), "y" (yes or why), "ill" (I'll or sick), "id",
  "its", "lets" and "cause" stay as they are.
* Misspellings map to the canonical spelling used in the examples; the
  matcher also corrects small typos against the pack's own words, so this
  table is for the misspellings that are too far off for that.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final


def _words(text: str) -> frozenset[str]:
    """A set of words written as one block of text, so long lists stay readable."""
    return frozenset(text.split())


# Typographic characters that NFKC leaves alone but people type interchangeably.
QUOTES: Final = MappingProxyType(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u02bc": "'",
        "\u0060": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
    }
)

# "'s" after these words is "is"; after any other word it is a possessive and is dropped.
S_IS_WORDS: Final = _words(
    """
    what that it there here who where how when he she everything something
    """
)

# Whole tokens that stand for more than one word, with or without the apostrophe
# (the apostrophe is gone by the time tokens are looked up here).
CONTRACTIONS: Final = MappingProxyType(
    {
        "im": "i am",
        "ive": "i have",
        "youre": "you are",
        "youve": "you have",
        "youll": "you will",
        "theyre": "they are",
        "theyve": "they have",
        "weve": "we have",
        "dont": "do not",
        "doesnt": "does not",
        "didnt": "did not",
        "cant": "can not",
        "cannot": "can not",
        "wont": "will not",
        "isnt": "is not",
        "arent": "are not",
        "wasnt": "was not",
        "werent": "were not",
        "havent": "have not",
        "hasnt": "has not",
        "hadnt": "had not",
        "wouldnt": "would not",
        "couldnt": "could not",
        "shouldnt": "should not",
        "aint": "is not",
        "whats": "what is",
        "thats": "that is",
        "theres": "there is",
        "wheres": "where is",
        "whos": "who is",
        "hows": "how is",
        "whens": "when is",
        "wanna": "want to",
        "gonna": "going to",
        "gotta": "got to",
        "hafta": "have to",
        "lemme": "let me",
        "gimme": "give me",
        "dunno": "do not know",
        "kinda": "kind of",
        "sorta": "sort of",
        "outta": "out of",
        "yall": "you all",
    }
)

# Chat-speak and abbreviations, as whole tokens.
ABBREVIATIONS: Final = MappingProxyType(
    {
        "u": "you",
        "ur": "your",
        "r": "are",
        "pls": "please",
        "plz": "please",
        "plez": "please",
        "thx": "thanks",
        "thnx": "thanks",
        "thanx": "thanks",
        "tks": "thanks",
        "ty": "thank you",
        "tysm": "thank you so much",
        "tyvm": "thank you very much",
        "abt": "about",
        "bout": "about",
        "tho": "though",
        "thru": "through",
        "wat": "what",
        "wut": "what",
        "wht": "what",
        "hw": "how",
        "b4": "before",
        "2day": "today",
        "2nite": "tonight",
        "tonite": "tonight",
        "nite": "night",
        "tmrw": "tomorrow",
        "tmr": "tomorrow",
        "2morrow": "tomorrow",
        "idk": "i do not know",
        "rn": "right now",
        "asap": "as soon as possible",
        "nvm": "never mind",
        "cya": "see you",
        "bc": "because",
        "cuz": "because",
        "coz": "because",
        "bcuz": "because",
        "ppl": "people",
        "msg": "message",
        "txt": "text",
        "info": "information",
        "appt": "appointment",
        "hr": "hour",
        "hrs": "hours",
        "wk": "week",
        "wks": "weeks",
        "wkly": "weekly",
        "wknd": "weekend",
        "wkend": "weekend",
        "wkends": "weekends",
        "mos": "months",
        "mo": "month",
        "mnth": "month",
        "mnths": "months",
        "yr": "year",
        "yrs": "years",
        "mins": "minutes",
        "meds": "medications",
        "med": "medication",
        "doc": "doctor",
        "tx": "treatment",
        "rx": "prescription",
        "ins": "insurance",
        "insur": "insurance",
        "prog": "program",
        "prgm": "program",
        "pgm": "program",
        "iops": "iop",
        "phps": "php",
        "outpt": "outpatient",
        "hosp": "hospital",
        "hospitalizaton": "hospitalization",
        "inpt": "inpatient",
        "op": "outpatient",
        "convo": "conversation",
        "versus": "vs",
    }
)

# Spellings that are too far from the right word for the typo tolerance, or so
# common that they should never depend on it. British spellings map to American.
MISSPELLINGS: Final = MappingProxyType(
    {
        "teh": "the",
        "programme": "program",
        "programmes": "programs",
        "progam": "program",
        "progams": "programs",
        "progarm": "program",
        "porgram": "program",
        "programm": "program",
        "prgram": "program",
        "prograam": "program",
        "proggram": "program",
        "insurence": "insurance",
        "insurnace": "insurance",
        "insurace": "insurance",
        "insuranse": "insurance",
        "insurrance": "insurance",
        "insureance": "insurance",
        "insurane": "insurance",
        "insuarnce": "insurance",
        "theraphy": "therapy",
        "therapie": "therapy",
        "therepy": "therapy",
        "theropy": "therapy",
        "thearpy": "therapy",
        "therpy": "therapy",
        "theripist": "therapist",
        "therapest": "therapist",
        "outpatent": "outpatient",
        "outpateint": "outpatient",
        "outpaitent": "outpatient",
        "outpatiant": "outpatient",
        "outpaitient": "outpatient",
        "inpatent": "inpatient",
        "inpateint": "inpatient",
        "sobriaty": "sobriety",
        "sobreity": "sobriety",
        "soberity": "sobriety",
        "sobrity": "sobriety",
        "sobritey": "sobriety",
        "recovey": "recovery",
        "recovry": "recovery",
        "recoverey": "recovery",
        "adiction": "addiction",
        "addicton": "addiction",
        "addicition": "addiction",
        "addcition": "addiction",
        "addication": "addiction",
        "adict": "addict",
        "alchohol": "alcohol",
        "alcohal": "alcohol",
        "alchol": "alcohol",
        "alcahol": "alcohol",
        "alcolhol": "alcohol",
        "achohol": "alcohol",
        "alchool": "alcohol",
        "alchoholic": "alcoholic",
        "alcholic": "alcoholic",
        "counselling": "counseling",
        "counciling": "counseling",
        "counceling": "counseling",
        "conseling": "counseling",
        "counsling": "counseling",
        "councelling": "counseling",
        "counsellor": "counselor",
        "councelor": "counselor",
        "counsellors": "counselors",
        "medicaiton": "medication",
        "medecation": "medication",
        "medicaton": "medication",
        "schedual": "schedule",
        "shedule": "schedule",
        "scedule": "schedule",
        "schedle": "schedule",
        "scheduel": "schedule",
        "skedule": "schedule",
        "apointment": "appointment",
        "appointmnet": "appointment",
        "appoinment": "appointment",
        "assesment": "assessment",
        "asessment": "assessment",
        "assessmant": "assessment",
        "assesmant": "assessment",
        "asesment": "assessment",
        "assessement": "assessment",
        "detoks": "detox",
        "rehap": "rehab",
        "rehabilitation": "rehab",
        "hospitilization": "hospitalization",
        "hospitalisation": "hospitalization",
        "hospitalised": "hospitalized",
        "meditaion": "meditation",
        "medetation": "meditation",
        "confidental": "confidential",
        "confidencial": "confidential",
        "anonymus": "anonymous",
        "annonymous": "anonymous",
        "withdrawl": "withdrawal",
        "withdrawel": "withdrawal",
        "relaspe": "relapse",
        "medicade": "medicaid",
        "medicaide": "medicaid",
        "adress": "address",
        "addres": "address",
        "availible": "available",
        "avaliable": "available",
        "availabe": "available",
        "behaviour": "behavior",
        "behavioural": "behavioral",
        "centre": "center",
        "centres": "centers",
        "recieve": "receive",
        "untill": "until",
        "overnite": "overnight",
        "tomorow": "tomorrow",
        "tommorow": "tomorrow",
        "tommorrow": "tomorrow",
        "wich": "which",
        "becuase": "because",
        "becasue": "because",
        "beacuse": "because",
        "alot": "a lot",
        "definately": "definitely",
        "seperate": "separate",
    }
)

# Number words become digits so "three days" and "3 days" meet.
NUMBERS: Final = MappingProxyType(
    {
        "one": "1",
        "two": "2",
        "three": "3",
        "four": "4",
        "five": "5",
        "six": "6",
        "seven": "7",
        "eight": "8",
        "nine": "9",
        "ten": "10",
        "eleven": "11",
        "twelve": "12",
        "fifteen": "15",
        "twenty": "20",
        "thirty": "30",
        "sixty": "60",
        "ninety": "90",
    }
)

# Multi-word forms rewritten after tokens are mapped (space-separated, whole words).
PHRASES: Final = MappingProxyType(
    {
        "i o p": "iop",
        "p h p": "php",
        "intensive outpatient": "iop",
        "partial hospitalization": "php",
        "partial hospital": "php",
        "out patient": "outpatient",
        "in patient": "inpatient",
        # one token, so "a 12 week program" does not share a word with "the 12 steps"
        "12 steps": "12step",
        "12 step": "12step",
        "e mail": "email",
        "e mails": "emails",
        "tele health": "telehealth",
        "on line": "online",
        "week end": "weekend",
        "week ends": "weekends",
        "never mind": "nevermind",
    }
)

# Words that glue a sentence together. They count for little when matching, so
# "how is the weather" is not close to "how is the program"; they are never
# "unknown" either, so a message is not rejected for using them.
FUNCTION_WORDS: Final = _words(
    """
    a an the this that these those there here i me my mine myself we us our ours ourselves
    you your yours yourself yourselves he him his himself she her hers herself it its itself
    they them their theirs themselves am is are was were be been being do does did doing
    done have has had having can could will would shall should may might must of to in on at
    by for from with about as into onto over under up down out off than then so such too
    very just also only even still yet again and or but if because while though although
    until unless some any each every all both either neither other another anyone anybody
    anything someone somebody something everyone everybody everything most more lot lots
    please um uh hmm oh well ok okay really actually basically let lets get got go going
    want wanted wanting wondering wonder curious know tell ask asking question questions
    thing things like would
    per via exactly guys stuff sorry lol haha honestly literally probably pretty anyway anyways btw
    currently somewhere anywhere somehow kind sort sir maam madam
    """
)

# Words that tell a story around a question rather than name its topic: reporting
# verbs, time and frequency, degree. An unknown one of these counts for less than an
# unknown topic word, so "my doctor said i should look into iop, what is it" is not
# turned down for "said" the way "do you offer detox" is for "detox". Adverbs in -ly
# are treated the same way (see ``index``).
CONTEXT_WORDS: Final = _words(
    """
    said say says saying told tell telling tells mentioned suggested recommended
    think thought thinks feel feels felt feeling seems seemed seem look looks looked
    looking see saw seen hear heard hears try tried trying tries guess hope hoping
    mean means meant figure figured decided finally recently lately already ago
    year years month months week weeks day days today yesterday tonight night nights
    tomorrow monday tuesday wednesday thursday friday saturday sunday weekday weekdays
    soon asap immediately urgent urgently interested cool desperate
    morning mornings afternoon evening weekend now right currently since past last next
    first second few several many much more less little bit lot lots whole entire
    long longer while ever never always sometimes often usually still even just
    really very pretty quite super totally completely absolutely definitely maybe perhaps
    probably possibly basically actually literally honestly seriously exactly anyway
    thing things stuff something anything everything nothing way ways kind sort type
    guy guys folks people someone somebody anyone anybody everyone everybody
    good bad great better worse best worst okay fine sure real new old
    """
)

# Question words tell intents apart ("where" is the location, "when" the schedule),
# so they weigh what the pack says they weigh, but they are never "unknown".
QUESTION_WORDS: Final = _words(
    """
    what which who whom whose when where why how
    """
)

# Negations carry meaning ("what if i do not have insurance") when the pack uses
# them, but a message is never rejected for containing one.
NEGATIONS: Final = _words(
    """
    not no without never nothing none nobody
    """
)

# Everyday words the speller must take as correctly spelled even when no example uses
# them, because each is one edit from another real word ("through" / "though",
# "heard" / "head", "trial" / "trail"). They carry no weight of their own.
COMMON_WORDS: Final = _words(
    """
    through throughout after before during between around across behind since within along
    among against toward towards upon beyond below above inside outside near year years
    month months week weeks day days hour hours minute minutes time times today tomorrow
    yesterday tonight night morning evening afternoon weekend early late later soon people
    person life world family friend friends mother father children woman women girl boy
    party team game music movie book paper letter story word words name idea fact point
    place house home room door water food body head face hand heart mind money business
    company country county state city town street road car drive phone computer internet
    email address number group problem system case part thing heard hear said says tell told
    think thought feel felt seem seemed come came went gone give gave take took make made
    find found leave left keep kept show move live lived believe bring brought happen
    happened write wrote read provide stand lose lost loose spend spent grow open walk won
    offer remember love consider appear buy bought wait serve send sent expect build stay
    fall fell reach remain suggest raise pass sell sold require decide small large great
    little good better best right high short young older easy hard real whole sure free full
    half quite quiet rather maybe perhaps often always sometimes already there their three
    where were form from then than trail trial angle angel effect affect accept except diary
    dairy casual causal adopt adapt advice advise breath breathe
    wifi app apps online website internet iphone android google youtube facebook
    instagram tiktok netflix covid zoom uber amazon
    """
)
