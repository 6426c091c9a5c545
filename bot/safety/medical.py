"""Patterns for a medical emergency happening now: overdose, not breathing, unresponsive,
seizure, severe withdrawal, chest pain, a need for naloxone.

Topic words ("overdose", "seizure", "narcan") fire on their own here; the informational
and historical uses ("do you treat people after an overdose?") are carved out by the
neutral spans in ``neutral``, which run first. See ``docs/safety.md`` for the policy.
"""

from __future__ import annotations

from bot.safety.rules import DRUGS, PERSON, Rules, gap, words

# Someone else: a visitor reporting an emergency is usually describing another person.
_SUBJECT = PERSON
_OBJECT = rf"(?:him|her|them|(?:my |our |the )?{PERSON})"
_WITHDRAWAL = (
    r"(?:withdrawal|withdrawals|withdrawing|detox|detoxing|dope sick|dopesick|"
    r"stopped drinking|quit drinking|stopping drinking|coming off|came off|"
    r"since (?:i|he|she|they) (?:stopped|quit)|no alcohol|without a drink|last drink)"
)
_SEDATIVES = words(
    "xanax xans bars benzos klonopin valium ativan pills oxy oxys percs fent fentanyl heroin "
    "opioids opiates methadone sleeping ambien gabapentin lean"
)
_SHAKING = words("shaking shakes shaky tremors tremoring trembling convulsing")
_DRUG_USE = (
    r"(?:using|used|use|snorting|snorted|smoking|smoked|shooting up|shot up|taking|took|"
    r"drinking|drank|coke|cocaine|meth|crack|adderall|pills|molly|ecstasy|speed|fent|"
    r"fentanyl|heroin|getting high|got high|partying)"
)

MEDICAL: Rules = (
    (
        "overdose",
        (
            r"\boverdos(?:e|ed|es|ing)\b",
            r"\b(?:took|taken|take|taking|had|did|done|swallowed|snorted|used|shot|shot up|drank|"
            r"ate|injected|popped|smoked) (?:way |far |a little )?(?:too much|too many|a lot of|"
            rf"a bunch of|a handful of|a fistful of|handfuls of) {gap(2)}{DRUGS}",
            r"\b(?:took|taken|used|snorted|shot up|drank|smoked) (?:way |far )?(?:too much|too many)"
            r"(?= (?:and|of (?:it|this|that|my|his|her|the)|again|tonight|now|i think|please|help|"
            r"what|he|she)\b|$)",
            r"\b(?:mixed|mixing|combined) (?:\w+ ){0,2}?(?:xanax|xans|bars|benzos|pills|"
            r"klonopin|valium|ativan) (?:and|with) (?:alcohol|booze|drinking|vodka|heroin|"
            r"fentanyl|fent|opioids|oxy|methadone|dope)\b(?! (?:before|in the past|for|when|"
            r"back|a lot|all the time|every|in college|years|as a)\b)",
            r"\balcohol poisoning\b",
            rf"\b(?:drank|drinking|had) {gap(6)}and (?:took|taken|popped|did|snorted|used) "
            rf"{gap(2)}{_SEDATIVES}",
            rf"\b(?:took|taken|popped|did|snorted|used) {gap(2)}{_SEDATIVES} {gap(3)}and "
            r"(?:drank|drinking|had a lot to drink|a bottle)\b",
        ),
    ),
    (
        "not_breathing",
        (
            r"\b(?:not|stopped|stop|barely|hardly|trouble|difficulty|struggling to|struggles to|"
            r"struggling|hard to|unable to) breath(?:e|ing)\b",
            r"\bbreathing (?:is |really |very |so |super |seems |sounds |has gotten |got )*"
            r"(?:slow|slowed|shallow|weird|funny|strange|irregular|labored|laboured|raspy|"
            r"gurgly|gurgling)\b",
            r"\b(?:gurgling|choking|snoring|rattling) (?:sounds|noises|sound|noise)\b",
            r"\bgurgling\b",
            r"\bchoking on (?:his|her|their|my) (?:own )?(?:vomit|puke|throw up)\b",
        ),
    ),
    (
        "unresponsive",
        (
            r"\bunresponsive\b",
            r"\bunconscious\b",
            rf"\b{_SUBJECT} {gap(3)}(?:not|will not|would not|does not) "
            r"(?:responding|respond|moving|waking|wake|come to|coming to)\b(?! (?:to|for) "
            r"(?:my|his|her|texts|text|calls|emails|messages|me)\b)",
            rf"\b(?:can not|could not) (?:get )?{_OBJECT} (?:to )?(?:wake|waking) up\b",
            rf"\b(?:can not|could not) wake {_OBJECT} up\b",
            r"\b(?:can not|could not) (?:wake|rouse) (?:him|her|them)\b",
            rf"\b{_SUBJECT} (?:just |has |have |is |s |suddenly |keeps |kept )*"
            r"(?:passed|passing|blacked|blacking) out\b",
            r"\b(?:passed|blacked) out and\b",
            r"\bjust (?:passed|blacked) out\b",
            rf"\b{_SUBJECT} {gap(3)}(?:collapsed|fainted|fell unconscious|went limp|is limp|"
            r"is floppy)\b",
            r"\b(?:just|suddenly) (?:collapsed|fainted|went limp)\b",
        ),
    ),
    (
        "blue_lips",
        (
            r"\b(?:lips|face|skin|fingers|fingertips|fingernails|nails) (?:are |is |look |looks |"
            r"turning |turned |went |going |getting |have gone |has gone |seem )+"
            r"(?:blue|purple|gray|grey|bluish|ashen)\b",
            r"\b(?:blue|purple|bluish|grey|gray) lips\b",
            r"\b(?:turning|turned|going|gone|went|getting) (?:blue|purple)\b",
        ),
    ),
    (
        "seizure",
        (
            r"\bseizures?\b",
            r"\bseizing\b(?! (?:up|the|this|an|every|my|his|her|their|our)\b)",
            r"\bconvuls(?:ing|ion|ions|ed|e)\b",
            r"\bfoaming at the mouth\b",
            r"\b(?:shaking|jerking|twitching|thrashing|convulsing) (?:on the floor|"
            r"uncontrollably|violently|and (?:will not|not|is not) (?:respond|responding|"
            r"waking))\b",
            r"\bon the floor (?:shaking|jerking|twitching|thrashing)\b",
        ),
    ),
    (
        "severe_withdrawal",
        (
            r"\b(?:the )?dts\b",
            r"\bdelirium\b",
            r"\btremens\b",
            r"\bhallucinat(?:ing|ions|ion|e|es|ed)\b",
            r"\b(?:am|is|are|been|keep|keeps|started|start|s|m) seeing things\b(?! (?:differently|"
            r"clearly|in a|from|my way|his way|her way|more|the)\b)",
            r"\bseeing (?:things|bugs|spiders|people|stuff|shadows) that (?:are not|is not|were "
            r"not|was not) there\b",
            r"\b(?:bugs|insects|spiders|ants) (?:crawling|are crawling) (?:on|under|all over|in)\b",
            rf"\b{_SHAKING}\b {gap(6)}{_WITHDRAWAL}",
            rf"\b{_WITHDRAWAL} {gap(6)}{_SHAKING}\b",
            r"\b(?:throwing up|vomiting|puking|coughing up|spitting up) blood\b",
        ),
    ),
    (
        "chest_pain",
        (
            r"\bchest (?:pain|pains|hurts|is hurting|feels tight|is tight|tightness|pressure|"
            r"is killing me)\b",
            r"\bheart attack\b",
            r"\bhaving a stroke\b",
            rf"\bheart (?:is )?(?:racing|pounding|beating so fast|beating really fast)\b "
            rf"{gap(5)}(?:after|from|on) {_DRUG_USE}",
        ),
    ),
    (
        "dying",
        (
            r"\b(?:think|feel like|feels like|thought|scared|afraid|worried) (?:that )?(?:i|he|she|"
            r"they) (?:am|is|are|s|m|might be|may be) (?:dying|going to die)\b"
            r"(?! (?:inside|of (?:embarrassment|boredom|laughter|cringe))\b)",
            r"\b(?:i|he|she) (?:is|am) dying (?:help|please|right now|now)\b",
        ),
    ),
    (
        "naloxone",
        (r"\b(?:narcan|naloxone|nalaxone|noloxone)\b",),
    ),
    (
        "emergency_services",
        (
            r"\b(?:call|called|calling|dial|dialed|dialing) (?:911|an ambulance|the ambulance|"
            r"ems|paramedics|poison control)\b",
            r"\b(?:ambulance|paramedics|ems) (?:is |are )?(?:coming|on the way|on their way|"
            r"here)\b",
            r"\bwaiting for (?:the|an) (?:ambulance|paramedics)\b",
            r"\b(?:need|needs) (?:an ambulance|a doctor right now|medical help now)\b",
        ),
    ),
)
