"""Neutral spans: figures of speech and informational questions, blanked before detection.

A span matched here is replaced by a placeholder, then the crisis patterns run on what
is left. So "this commute is killing me" and "do you treat people after an overdose?"
say nothing, while "do you treat people after an overdose? my friend is overdosing now"
still fires on the second sentence. A neutral span must therefore never swallow words
that could carry a crisis: the word gaps below refuse pronouns and "now" words, so
"can you help me, my son had an overdose" is not mistaken for a question about services.
"""

from __future__ import annotations

from bot.safety.rules import words

# A gap of up to ``n`` words, none of which points at a person or at the present moment.
_NOT_NOW = words(
    "i me my mine he him his she her they them their we us our is am are was were having "
    "has been being right now just currently still today tonight again dying not help"
)
_NOT_TODAY = words("is am are now right currently just today tonight again still")


def _safe_gap(most: int) -> str:
    return rf"(?:(?!{_NOT_NOW}\b)\w+ ){{0,{most}}}"


_SOMEONE = words(
    "i me my he him his she her they them their we us our someone somebody friend son "
    "daughter husband wife boyfriend girlfriend partner brother sister mom dad mother father"
)


def _no_person_gap(most: int) -> str:
    return rf"(?:(?!{_SOMEONE}\b)\w+ ){{0,{most}}}"


def _past_gap(most: int) -> str:
    return rf"(?:(?!{_NOT_TODAY}\b)\w+ ){{0,{most}}}"


_MED_TOPIC = (
    r"(?:an? )?(?:overdoses?|opioid overdoses?|withdrawal seizures?|seizures?|the dts|dts|"
    r"delirium tremens|hallucinations|alcohol poisoning|withdrawal symptoms?|"
    r"withdrawals?|severe withdrawal|detox)"
)
_SH_TOPIC = (
    r"(?:suicidal (?:thoughts|ideation|feelings|behaviors?|behaviours?|tendencies)|"
    r"thoughts of suicide|suicide (?:risk|prevention|attempts?|ideation|survivors?)|"
    r"self harm|self harming|self injury|cutting)"
)
_SYMPTOM = (
    r"(?:shaking|shakes|tremors|sweating|sweats|nausea|vomiting|anxiety|insomnia|"
    r"hallucinations|seizures|the dts|dts|chills|cravings|headaches|cramps|diarrhea)"
)
_SYMPTOM_LIST = (
    rf"(?: (?:like|such as|including|and|or|as well as|e g) (?:the |a |an )?"
    rf"(?:{_SYMPTOM}|{_MED_TOPIC}))*\b"
)
# A condition, then optionally the list of symptoms it is asked about: what may happen to
# someone ("will I have seizures?", "worried about withdrawal").
_CONDITION = rf"(?:{_MED_TOPIC}|{_SH_TOPIC}){_SYMPTOM_LIST}"
# A condition or naloxone: what a program treats, offers or explains ("do you carry Narcan?").
# Not used in the "can I get ..." frames: "can I get Narcan" may be asked during an overdose.
_TOPIC = rf"(?:{_MED_TOPIC}|{_SH_TOPIC}|narcan|naloxone){_SYMPTOM_LIST}"
_PROGRAM = (
    r"(?:you|you all|y all|you guys|your \w+|the (?:program|center|iop|staff|clinic|facility|"
    r"team|doctors|nurses|counselors|therapists)|liberty bay|they|this program|this place)"
)
_SERVICE_VERB = words(
    "treat treats address addresses handle handles accept accepts take takes admit admits "
    "offer offers provide provides carry give hand support supports cover covers manage "
    "manages screen teach teaches train trains prescribe prescribes stock keep work works "
    "deal specialize specialise"
)
_PAST = (
    r"(?:(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|several|"
    r"a couple of|couple of|a couple|many) (?:years?|months?|weeks?) ago|years ago|months ago|"
    r"last (?:year|month|summer|winter|spring|fall|autumn|christmas)|in (?:19|20)\d\d|"
    r"when (?:i|he|she|they) (?:was|were) (?:\d+|younger|a teen|a teenager|in college|"
    r"in high school|using)|as a teen(?:ager)?|in the past|in college|in high school|"
    r"a long time ago|long ago|(?:once |twice )?before$|last time (?:i|he|she|they) "
    r"(?:quit|stopped|detoxed|tried))"
)
_EVENT = (
    r"(?:overdos(?:e|ed|es)|had (?:a |an |two |several |multiple )?(?:seizures?|the dts|"
    r"dts|withdrawal seizures?|overdoses?))"
)

NEUTRAL: tuple[str, ...] = (
    # --- informational questions about the program ----------------------------------------
    rf"\b(?:do|does|will|would|is|are) {_PROGRAM} {_safe_gap(2)}(?:help|helps) "
    rf"{_safe_gap(5)}{_TOPIC}",
    rf"\b(?:do|does|can|could|will|would|is|are) {_PROGRAM} {_safe_gap(2)}{_SERVICE_VERB} "
    rf"{_safe_gap(5)}{_TOPIC}",
    r"\b(?:people|clients|patients|someone|anyone|those|folks|individuals|persons|a person|"
    r"somebody|others|men|women|adults|teens|veterans) (?:who |that )?(?:with|have|has|had|"
    r"have had|has had|experienced|experience|survived|survive|recovering from|after|following|"
    r"at risk of|at risk for|prone to|struggling with|dealing with|struggle with|suffer from|"
    r"suffering from|suffered) (?:a |an |one |multiple |many |past |previous |prior |recent |"
    rf"frequent |repeated |several |history of |a history of )*{_TOPIC}",
    rf"\b(?:history|histories|past|previous|prior|record) (?:of )?(?:a |an |multiple |several )?"
    rf"{_TOPIC}",
    rf"\b{_MED_TOPIC} history\b",
    rf"\b(?:what if|what happens if|what happens when|in case|even if) (?:i|you|someone|somebody|"
    r"a client|a patient|a person|people|they|clients|patients) (?:relapse and )?(?:have|has|get|"
    r"gets|start|starts|go|goes|experience|experiences|overdose|overdoses|start seizing) "
    rf"(?:into )?(?:a |an |any |the )?(?:{_CONDITION})?",
    rf"\b(?:will|would|could|can|might|do|am|should) (?:i|you|people|someone|clients|patients) "
    rf"{_safe_gap(3)}(?:have|get|experience|risk|develop|go into|need) (?:a |an |any |the )?"
    rf"{_CONDITION}",
    rf"\b(?:can|could|does|do|will|would|is|are) {_safe_gap(3)}(?:cause|causes|lead to|leads to|"
    rf"trigger|triggers|give you|bring on|result in) (?:a |an |any |the )?{_CONDITION}",
    rf"\bis it (?:possible|common|normal|dangerous|safe|likely|rare) to (?:have|get|go into|"
    rf"experience) (?:a |an |any |the )?{_CONDITION}",
    rf"\b(?:is|are) (?:it |having |getting )?(?:a |an |the )?(?:{_CONDITION}|{_SYMPTOM}) "
    r"(?:normal|common|dangerous|likely|possible|rare|expected|a sign|serious|deadly|"
    r"life threatening)\b(?: (?:during|in|when|with|for|after) (?:\w+ )?(?:withdrawal|detox|"
    r"detoxing|quitting))?",
    rf"\b(?:risk|risks|chance|chances|danger|dangers|odds|likelihood|possibility) (?:of|for) "
    rf"(?:an? )?(?:overdosing|{_CONDITION})",
    rf"\b(?:worried|afraid|scared|nervous|concerned|anxious|worry|fear|fears|frightened) "
    rf"(?:about|of) (?:having |getting |going into )?(?:a |an |the )?{_CONDITION}",
    r"\b(?:worried|afraid|scared|nervous|concerned|anxious|fear|fearful|terrified) (?:that )?"
    r"(?:i|he|she|they|we) (?:might|will|could|would|may|am going to|is going to) (?:have|get|"
    rf"go into|start having) (?:a |an |the |more )?{_CONDITION}",
    rf"\bwhat (?:is|are) (?:a |an |the )?{_TOPIC}",
    r"\bhow (?:does|do) (?:narcan|naloxone) work\b",
    r"\b(?:where|how) (?:can|do|could) (?:i|we|people|you) (?:get|buy|find|pick up) (?:free )?"
    r"(?:narcan|naloxone) (?:to keep|just in case|to have on hand|for (?:my|the) (?:house|home|"
    r"car|kit|bag|purse|office|workplace))",
    r"\b(?:can|could) (?:you|i|people|someone|a person) overdose on\b",
    # --- the past: an overdose or seizure that is over ------------------------------------
    rf"\b{_EVENT} {_past_gap(4)}{_PAST}\b",
    rf"\b{_PAST} {_past_gap(4)}{_EVENT}\b",
    r"\b(?:after|since|following|survived|survivor of|survivors of) (?:a|an|my|his|her|their|"
    r"our|your|multiple|several|two|three|last) (?:near fatal |nonfatal |non fatal |bad |big |"
    r"first |second |last |recent |previous |past |accidental )*(?:overdoses?|seizures?)\b",
    r"\b(?:died|passed away|lost (?:my|his|her|our|their) \w+|lost \w+) (?:of|from|to|after) "
    r"(?:a |an |his |her |their )?(?:accidental |fentanyl |heroin |drug |opioid )?overdose\b",
    r"\b(?:fatal|deadly) overdoses?\b",
    r"\boverdose (?:deaths?|prevention|awareness|training|kits?|education|programs?|risk|risks|"
    r"rates?|statistics|stats|crisis|epidemic|response|reversal|protocols?|plans?|policy|"
    r"precautions|safety)\b",
    r"\b(?:narcan|naloxone) (?:training|kits?|classes|class|education|programs?|distribution|"
    r"on site|onsite|available|availability|vending)\b",
    r"\b(?:seizure|withdrawal) (?:disorder|disorders|precautions|management|protocols?|risk|"
    r"medication|prevention)\b",
    r"\b(?:prevent|preventing|prevents|avoid|avoiding|reduce|reducing) (?:an? |the )?"
    r"(?:opioid |accidental )?(?:overdoses?|seizures?|the dts|dts|withdrawal seizures?)\b",
    # --- figures of speech -------------------------------------------------------------------
    r"\bdi(?:e|es|ed|ing) (?:my|your|his|her|their|our|the) (?:hair|clothes|shirt|shirts|jeans|"
    r"eyebrows|beard|roots|fabric|sheets)\b",
    r"\b(?:die|died|dying) (?:laughing|of laughter|from laughter)\b",
    r"\b(?:die|died|dying) (?:of|from) (?:embarrassment|shame|boredom|cringe|curiosity|"
    r"jealousy|envy|happiness|excitement|the heat|heat|hunger|thirst|anticipation|suspense)\b",
    r"\bto die for\b",
    r"\b(?:die hard|do or die|never say die)\b",
    r"\bkiling myself (?:at work|at the gym|in the gym|at school|working|trying to|to make|"
    r"to get|to finish|to keep|to pay|to meet|to hit|to stay|to learn|over (?:this|work|it|"
    r"school)|laughing)\b",
    r"\b(?:cut|cuts|cutting|hurt|hurts|hurting|burn|burned|burnt|burning) (?:myself|himself|"
    r"herself|my (?:arm|arms|leg|legs|hand|finger|thumb|foot|knee|skin|wrist)) (?:shaving|cooking|playing|lifting|working out|at the gym|at work|in the kitchen|"
    r"by accident|accidentally|slightly|a little|falling|skiing|running|exercising|on (?!purpose\b)"
    r"(?:a|the|some|my|broken|glass|paper))",
    r"\baccidentally (?:cut|hurt|burned|burnt|shot) (?:myself|himself|herself)\b",
    r"\bcut(?:ting)? (?:myself|himself|herself|themselves) (?:off|some slack|a break|loose|out)\b",
    r"\bshot (?:myself|himself|herself) in the foot\b",
    r"\b(?:could|should|would) (?:hit|kick|punch|slap) myself\b",
    r"\boverdos\w* on (?:sugar|candy|chocolate|caffeine|coffee|netflix|tv|cuteness|love|sun|"
    r"sunshine|information|memes|pizza|cake|carbs|cookies|anime|drama|vitamin c|podcasts)\b",
    r"\b\d+ kms\b",
    r"\bsuicide (?:squad|mission|missions|doors|sprints|drills|runs|blonde|bombers?|bombing)\b",
    r"\bsuicide (?:prevention|awareness|screening|screenings|risk assessment|statistics|rates?)\b"
    r"(?! (?:line|hotline|lifeline|number|help|text|chat)\b)",
    r"\b(?:career|political|social|commercial|financial|professional|academic|electoral) "
    r"suicide\b",
    r"\b(?:run|ran|running|do|doing|did) suicides\b",
    r"\b(?:drug|police|asset|property|cash|border|record|customs|gun|weapon|weapons|car|"
    r"vehicle|evidence) seizures?\b",
    r"\b(?:almost|nearly|about to|going to|could have|practically|basically) (?:had |have |"
    r"give me |gave me |having )?a heart attack\b",
    r"\bgave (?:me|him|her|us) a heart attack\b",
    r"\bheart attack on a plate\b",
    r"\bblue in the face\b",
    r"\bbreath\w* a word\b",
    r"\b(?:can not|could not) breathe (?:from|for|because i am|i am|i was) laugh\w*",
    r"\blaugh\w* so hard (?:i|that i) (?:can not|could not) breathe\b",
    r"\b(?:page|site|website|app|chat|chatbot|bot|button|form|link|screen|computer|laptop|phone|"
    rf"browser|system|server|widget|software|keyboard|mouse|it|this thing) {_no_person_gap(5)}"
    r"(?:unresponsive|not responding)\b",
    r"\bpass(?:ed|ing)? out (?:the |some |free )?(?:flyers|pamphlets|papers|forms|candy|food|"
    r"brochures|cards|information|info|leaflets|snacks|gifts|water|tests|worksheets|handouts)\b",
    r"\bunconscious (?:bias|biases|mind|thoughts|patterns|habits|level|behavior|behaviour)\b",
    r"\b(?:am i|must be|i must be) hallucinating\b",
    r"\bwake up (?:for|in time for) (?:school|work|class|group|church)\b",
)
