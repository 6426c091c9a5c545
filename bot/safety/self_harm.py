"""Patterns for suicide, self-harm and suicidal ideation, about the visitor or someone else.

Tried before the medical patterns: an overdose taken on purpose is a self-harm crisis
(that reply also gives 911). Written in natural spelling over the normal form; see
``rules`` for the conventions and ``docs/safety.md`` for the policy.
"""

from __future__ import annotations

from bot.safety.rules import SELF, Rules, gap, words

_WANT = words("want wants wanted wanting wish wishes wished wishing ready deserve deserves")
_I = words("i he she they we")
_WAS = words("was were would could had am is are")
_GONE = "(?:gone|dead|not here|not around|never born|not alive)"
_HARM_VERB = words(
    "cut cuts cutting slice slicing sliced slit slash slashed slashing burn burns burning "
    "burned burnt hurt hurts hurting harm harms harming harmed hit hits hitting punch punched "
    "punching scratch scratched scratching starve starving starved stab stabbing stabbed "
    "poison poisoning poisoned choke choked choking strangle strangled strangling drown "
    "drowning drowned hang hanging hanged hung shoot shooting shot suffocate suffocated "
    "suffocating gas rope roped neck necked top topped bleed bled"
)
_TO_DEATH = words(
    "drink drinks drinking drank use uses using used starve starving starved smoke smoking "
    "shoot shooting bleed bleeding beat beating dope doping"
)
_BODY = words("arm arms wrist wrists leg legs thigh thighs skin stomach body")
_PILLS = words("pill pills meds medication medications tablets prescription prescriptions")

SELF_HARM: Rules = (
    (
        "suicide",
        (
            r"\bsuicid\w*",
            r"\bideation\b",
            r"\bsewer ?slide\b",
            r"\bunaliv\w*",
            r"\bself (?:delete|deleting|deletion)\b",
            r"\bdelete myself\b",
        ),
    ),
    (
        "kill_self",
        (
            rf"\b(?:kill|kills|killed|killing|kil) {SELF}",
            rf"\bto off {SELF}",
            r"\bkms\b",
            r"\b(?:i|me) (?:should|will|might|could|am going to|want to|am about to) (?:just )?kys\b",
            r"\bshould i (?:just )?kys\b",
        ),
    ),
    (
        "method",
        (
            rf"\b(?:slit|slash|slice|cut|cutting|slitting) (?:my|his|her|their) (?:own )?{_BODY}",
            r"\b(?:have|got|get|getting|saved|saving|stockpiled|stockpiling|collected|collecting|"
            r"hoarding|hoarded) (?:up )?(?:the|my|all the|enough|a|some) (?:pills|gun|rope|knife|"
            r"razor|blade|razors|blades) (?:ready|loaded|saved up|to do it|for it|to end it)\b",
            r"\b(?:gun|pistol|rifle) (?:is )?(?:loaded and ready|ready to go|loaded for me)\b",
            r"\bjump(?:ing)? (?:off|from) (?:a|the|this|that) (?:bridge|building|roof|cliff|"
            r"overpass|balcony|tower|parking garage)",
            r"\b(?:jump|jumping|step|stepping|walk|walking|throw myself) (?:in front of|into|under) "
            r"(?:a |the )?(?:train|bus|car|truck|traffic)",
            r"\b(?:drive|driving|crash|crashing) (?:my car |the car )?(?:into|off) (?:a|the) "
            r"(?:tree|wall|bridge|cliff|river|lake|pole|truck)",
            r"\bcrash(?:ing)? (?:my|the) car on purpose",
            r"\b(?:gun|pistol|barrel) (?:to|against|in) my (?:head|mouth|temple)",
            r"\b(?:bullet|gun) (?:in|into|through) my (?:head|brain|mouth)",
            r"\bblow (?:my|his|her) brains out",
            r"\b(?:tie|tied|tying|make|made|making|buy|bought|buying) a noose\b",
            r"\bnoose\b",
            rf"\b{_TO_DEATH} {SELF} to death\b",
            r"\b(?:use|turn|point|using|turning|pointing) (?:it|the gun|a gun|the knife) on "
            rf"{SELF}",
        ),
    ),
    (
        "self_harm",
        (
            r"\bself (?:harm|harming|harmed|harms|injury|injuring|injure|injured|injurious|"
            r"mutilation|mutilate|mutilating|mutilated)\b",
            rf"\b{_HARM_VERB} {SELF}",
            rf"\bcut(?:ting)? (?:again|my {_BODY})\b",
            r"\b(?:urge|urges|urging|craving|cravings) to (?:cut|self harm|hurt myself)\b",
            r"\b(?:started|been|keep|kept|back to|relapsed on|relapsed with|relapse with|"
            r"relapsing with) cutting(?: again)?(?= (?:and|but|because|so|i)\b|$)",
        ),
    ),
    (
        "intentional_overdose",
        (
            r"\boverdos(?:e|ed|ing) on purpose\b",
            r"\b(?:want|wants|wanted|going|planning|plan|plans|trying|tried|try|ready|decided|"
            r"thinking about|thought about|think about|tempted|about) to overdose\b",
            r"\b(?:thinking|thought|think) (?:about|of) overdosing\b",
            r"\b(?:take|took|taken|taking|swallow|swallowed|swallowing|down|downed) "
            rf"(?:all|all of|every one of|the rest of|the whole bottle of|a whole bottle of) "
            rf"(?:my|his|her|their|the) {_PILLS}",
            rf"\b(?:take|took|taken|taking|swallow|swallowed|swallowing) (?:a|the|a whole|an entire) "
            rf"bottle of (?:my |his |her |the )?{_PILLS}",
            rf"\b(?:took|taken|swallowed|swallow|take|taking|drank|ate|used|overdosed) {gap(5)}"
            r"on purpose\b",
            rf"\b{_PILLS} to (?:end it|end my life|kill myself|die|not wake up|sleep forever|"
            r"never wake up)\b",
            r"\b(?:take|took|taken|taking|swallow|swallowed|swallowing) (?:every|each) (?:single )?"
            rf"{_PILLS}\b",
        ),
    ),
    (
        "want_to_die",
        (
            rf"\b{_WANT} (?:to )?{gap(2)}die\b",
            rf"\b(?:wish|hope|pray|praying|hoping) (?:that )?{_I} (?:would |could |will )?"
            r"(?:just )?(?:die|died|dead)\b",
            rf"\bwish {_I} {_WAS} (?:just )?(?:be |have )?(?:been )?{_GONE}",
            r"\bwish (?:i|he|she) (?:was |were |had |would |would have )?never (?:been )?born\b",
            r"\bfeel like dying\b",
            r"\b(?:be with|join|see) (?:\w+ ){0,3}(?:in heaven|on the other side|in the afterlife)"
            r"\b(?! of\b)",
            r"\b(?:want|wants|wanted|wish|rather|would rather|like) (?:to )?(?:just )?be dead\b",
            r"\b(?:better|be better) off dead\b",
            r"\brather (?:just )?(?:be dead|die|not be alive|not exist)\b",
            r"\b(?:let|just let) me die\b",
            r"\b(?:i|he|she) (?:should|deserve to|deserves to) (?:just )?die\b",
            r"\b(?:do not|does not|never) deserve to (?:live|be alive|be here|exist|wake up)\b",
            r"\b(?:pray|praying|hope|hoping|wish|want) (?:that )?god (?:would |will |to )?(?:just )?"
            r"(?:take|takes) me\b",
            r"\b(?:hate|hating) (?:being alive|existing|living|to be alive)\b",
            r"\b(?:want|wants|wanted|wish|ready) to (?:just )?be gone\b(?! (?:by|before|from|for|"
            r"at|when|until|after)\b)",
            r"\b(?:want|wants|wanted|wish|wished) (?:someone|somebody|something|god|you) "
            r"(?:would|to|could) (?:just )?kill (?:me|him|her)\b",
            r"\bhope (?:someone|somebody|something|god|it) kills me\b",
            r"\b(?:do not|does not|never) want to (?:be alive|exist|be here anymore|be here any "
            r"more|be here any longer|be on this earth|go on|keep going|keep living|do life|"
            r"do this life)\b",
            r"\b(?:do not|does not|never) want to live\b(?! (?:in|near|with|at|there|here|by|"
            r"alone|on|close|far|so|together|like that|under)\b)",
            r"\b(?:want|wants|wanted|wish) to (?:stop existing|not exist|not be alive|not be here|"
            r"disappear forever|disappear for good|vanish forever)\b",
            r"\bwish (?:i|he|she) (?:did not|does not|could not|would not) exist\b",
            r"\b(?:want|wants|wanted|wanting|wish|wish i could|wish to) (?:to )?(?:just )?"
            r"(?:disappear|vanish)(?:$| and never| forever| for good)",
            r"\bstop existing\b",
        ),
    ),
    (
        "no_reason_to_live",
        (
            r"\b(?:no|any|see the|see a|see any) (?:reason|reasons|point|purpose) (?:in |of |to )?"
            r"(?:me |my )?(?:to live|living|being alive|to be alive|going on|to go on|"
            r"to keep going|keep going|carrying on|to carry on|life|my life|existing)\b"
            r"(?! (?:the|a|an|this|that|with|to|at|vacation|trip|insurance)\b)",
            r"\bnothing (?:left )?to live for\b",
            r"\b(?:life|my life|living) (?:is not|is no longer|not|isnt) worth (?:living|it)\b",
            r"\bnot worth living\b",
            r"\bwhat is the point (?:of|in) (?:living|life|going on|being alive|anything|"
            r"trying anymore|it all)\b",
            r"\b(?:tired|sick|done) (?:of|with) (?:living|being alive|life|existing)\b",
            r"\bgiv(?:e|ing|en) up on (?:life|living)\b",
            r"\bcan not go on(?: like this| anymore| any more| any longer| living| this way|"
            r" without|$)",
            r"\bcan not (?:do|take|handle|stand|bear) (?:this|it|life|living) (?:anymore|any more|"
            r"any longer)\b",
            r"\bcan not live (?:like this|this way|with myself|anymore|any more)\b",
            r"\bcan not keep (?:living|going on|doing this|doing life|existing)\b",
            r"\bcan not keep going\b(?! (?:to|back|out|there|in|on)\b)",
            r"\bwant (?:it|this|everything|the pain|life|it all) (?:all )?to (?:end|be over)\b",
            r"\b(?:no one|nobody|noone|no body) (?:would|will|is going to) (?:even )?(?:miss me|"
            r"care if i|notice if i|notice i was gone)",
            r"\b(?:fine|better|happier|easier|okay|ok|relieved|better off) (?:if|when) (?:i|he|she) "
            r"(?:died|was dead|were dead|was gone|were gone|killed|disappeared|was not here|"
            r"were not here|was not around|were not around)\b",
            rf"\bif {_I} (?:died|was dead|were dead|was gone|were gone|killed myself|disappeared)"
            r" (?:no one|nobody|noone|would anyone|would anybody)",
            r"\bbetter (?:off )?without me\b",
            r"\b(?:everyone|everybody|world|family|kids|you all) (?:would|will|is|are|would all|"
            r"will all)? ?be better (?:off )?without (?:me|him|her)\b",
            r"\b(?:better|happier|easier) (?:off )?(?:if|when) (?:i|he|she) (?:was|were|am|is|m) "
            r"(?:gone|dead|not here|not around|never born)",
            r"\b(?:better|happier|easier) (?:off )?(?:if|when) (?:i|he|she) (?:died|killed)",
            r"\bbetter off gone\b",
        ),
    ),
    (
        "not_wake_up",
        (
            r"\b(?:do not|does not|never|not) want to wake up\b(?! (?:early|at|for|before|so|"
            r"that|in time|on time|when)\b)",
            r"\b(?:hope|hoping|pray|praying|wish) (?:that )?(?:i|he|she) (?:do not|does not|never|"
            r"will not|would not|did not) wake up\b",
            r"\bwish (?:i|he|she) (?:never|had not|did not) woke up\b",
            r"\b(?:sleep|sleeping) and never wake up\b",
            r"\bnever wake up again\b",
            r"\b(?:want|wants|wanted|wish|wishes|like) to (?:just )?(?:not|never) wake up\b",
            r"\b(?:want|wants|wish|wishing|like) to (?:just )?sleep forever\b",
            r"\b(?:go to sleep|fall asleep) (?:and|then) not wake up\b",
        ),
    ),
    (
        "end_life",
        (
            r"\b(?<!the )end(?:s|ed|ing)? (?:it|this|everything) all\b",
            r"\bend(?:s|ed|ing)? (?:my|his|her|their|our) (?:own )?(?:life|lives)\b",
            r"\b(?:take|takes|took|taking|taken) (?:my|his|her|their) (?:own )?life\b"
            r"(?! (?:back|in|into|seriously|to|one|forward|around|over|under)\b)",
            r"\b(?:want|wants|going|ready|decided|decide|plan|planning|tempted|about|consider|"
            r"considering|thinking|thought|think) (?:about |of )?(?:to )?end(?:ing)? "
            r"(?:things|everything)\b(?! (?:with|between|for|up|off|on)\b)",
            r"\b(?:feel like|feels like|felt like|thinking about|thought about|think about) "
            r"(?:just )?ending it\b(?! (?:with|between|for|now with|all)\b)",
            r"\b(?:want|wants|going|ready|decided|decide|plan|planning|tempted|about) to end it\b"
            r"(?! (?:with|between|for|now with)\b)",
            r"\b(?:thinking|think|thought) (?:about|of) ending it\b(?! (?:with|between|for)\b)",
            r"\bending it (?:tonight|today|soon|now)\b",
            r"\b(?:write|wrote|writing|written|left|leave) (?:a|my|his|her) (?:suicide|goodbye) "
            r"(?:note|letter)",
            r"\bthis is (?:my )?(?:final |last )?goodbye\b",
            r"\bmy (?:final|last) goodbye\b",
            r"\bgoodbye (?:forever|world|cruel world)\b",
            r"\bwill not be (?:around|alive) (?:much longer|for long|tomorrow|anymore)\b",
        ),
    ),
    (
        "crisis_line",
        (
            r"\b(?:call|text|calling|texting|called|texted) 988\b",
            r"\b(?:crisis|suicide|suicidal) (?:line|hotline|lifeline|number|text line)\b",
        ),
    ),
)
