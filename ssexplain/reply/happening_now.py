"""Whether a piece of a message tells of something happening now, or of the past, a
long-standing problem, a general or what-if question, a report of what others said, or a
figure of speech: only what is happening now can be urgent (docs/SAFETY.md).

Word patterns, read per piece and in the light of the whole message (a story told in the
past carries its sentences with it). Denials ("no fever") are masked before the urgent
patterns read a piece.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ssexplain.reply.message_pieces import sentences

def _p(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


# A sudden change from normal: "she was fine an hour ago", "it was fine when I went to bed".
ONSET = (
    r"\b(was|were) (fine|ok|okay|normal|well|alright|all right|perfectly fine)( (until|till|when (i|he|she|we) went|"
    r"at (breakfast|lunch|dinner|tea)|this (morning|afternoon)|in the (morning|afternoon)|yesterday|last night|earlier|an hour ago|"
    r"(\d+|a few|an?|two|three) (minutes?|mins?|hours?|hrs?) ago))\b"
)
# Happening now: these override a mention of the past in the same sentence.
NOW = _p(
    r"\b(right now|just now|rn|at the moment|currently|still|again|tonight|"
    r"(\d+|a few|few|ten|fifteen|twenty|thirty|forty|an?) (minutes?|mins?|hours?|hrs?) ago|"
    r"keeps? (on )?(?!asking|saying|telling|wondering|reading|checking|mentioning|reminding|taking|using)\w+ing|keeps? happening|won'?t|isn'?t|is not|can'?t|cannot|cant|wont|isnt|"
    r"(is|are|am|i'?m|he'?s|she'?s|they'?re|hes|shes|im) (\w+ )?\w+ing|"
    r"just (\w+ed|had|got|went|fell|hit|took|lost|came|started|woke|swallowed))\b"
    r"|\bnow\b(?<!better now)(?<!fine now)(?<!ok now)(?<!okay now)(?<!well now)(?<!good now)|" + ONSET
)
# Strong signs it is going on now: these alone override a past marker.
STRONG_NOW = _p(
    r"\b((over|in|for|during) the (last|past) (few |couple of |\d+ |two |three )?(hours?|minutes?|mins?|hrs?)|right now|just now|rn|at the moment|currently|again|tonight|"
    r"lately|these days|nowadays|most days|every day now|at the minute|"
    r"still (very |really |so |quite |a bit )?(going|happening|there|bleeding|fitting|shaking|not|can'?t|won'?t|unconscious|out|confused|numb|weak|drowsy|sleepy)|"
    r"(\d+|a few|few|ten|fifteen|twenty|thirty|forty|an?) (minutes?|mins?|hours?|hrs?) ago|"
    r"won'?t|wont|(isn'?t|isnt|is not) (\w+ing|right|himself|herself|conscious|awake|with it)|can'?t|cant|cannot|keeps? (on )?(?!asking|saying|telling|wondering|reading|checking|mentioning|reminding|taking|using)\w+ing|keeps? happening|"
    r"just (\w+ed|had|got|went|fell|hit|took|lost|came|started|woke|swallowed))\b|"
    r"\bnow (he|she|i|my|his|her|it)('?s|'?m| is| are| am)? (\w+ing|not|can'?t|won'?t)\b|"
    # an acute event told as going on: "he is having fits one after the other"
    r"\b(is|are|am|he'?s|she'?s|i'?m|they'?re|hes|shes|im) (now |still )?having (a |another )?"
    r"(fit|fits|seizure|seizures|convulsions?|stroke|heart attack|(bad |severe |allergic )?reaction)\b|"
    + ONSET + r"|\b(presenting|presents|presented) with\b|\bc/o\b"
)
# A past event happening again now: "it's happening again", "another one now".
RECURS = _p(
    r"\b(it'?s|it is|she'?s|he'?s|they'?re|is|are) (\w+ )?(happening|doing it|starting|started|back|coming on) again\b|"
    r"\b(another|one more) (one|fit|seizure|attack|episode|bleed)\b|\bagain (now|right now|tonight|today|this (morning|afternoon|evening))\b"
)
# "never thought about it again", "not had one again": "again" here is no sign of now.
NEVER_AGAIN = _p(r"\b(never|not|n't|no|stop|prevent|avoid)\b[^.!?]{0,60}?\bagain\b")
RIGHT_NOW = _p(r"\b(right now|just now|at the moment|currently|happening now|(minutes?|mins?) ago|rn)\b")
# Recent, but not on its own proof of "now" against a story told in the past.
RECENT = _p(
    r"\bat (about |around |roughly )?(\d{1,2}([:.]\d\d)? ?(am|pm|o'?clock)|(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) o'?clock)|"
    r"\b(today|yesterday|last night|this (morning|afternoon|evening)|overnight|since (yesterday|last night|this|an hour|\d+|the day before|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|the weekend|lunch\w*|breakfast|dinner|tea ?time|bedtime|"
    r"we got (home|back)|(he|she|i|we) (got|came) (home|back)|the (op|operation|procedure|surgery|lumbar puncture|lp|spinal tap)))\b"
)
PAST = _p(
    r"\b((\d+|an?|a few|few|several|many|two|three|four|five|six|seven|eight|nine|ten|couple of|a couple of) "
    r"(years?|months?|weeks?|decades?) (ago|back)|"
    r"last (year|month|week|weekend|winter|summer|spring|autumn|christmas|easter|january|february|march|april|may|"
    r"june|july|august|september|october|november|december)|back (in|at) (19|20|the|my|those|school|college|uni|january|"
    r"february|march|april|june|july|august|september|october|november|december|spring|summer|autumn|winter)|back then|in (19|20)\d\d|in (january|february|march|april|"
    r"june|july|august|september|october|november|december)|when (i|he|she|we) (was|were) (a |young|little|\d+|eight|"
    r"small|first)|as a (child|kid|baby|teen\w*|boy|girl)|used to|in the past|history of|previously(?! (well|independent|fit|healthy|active|normal|fine))|a while (back|ago)|"
    r"long ago|years back|for a (while|time|bit|few (weeks|months)) after\b|"
    r"\bthe (thoughts|feelings|urges|dark thoughts) (have|has) (all )?(gone|stopped|passed|settled|cleared)\b|(years|months|ages|decades) (ago|before|earlier)|"
    r"in (my|his|her|their|our) (early |late |mid )?(teens|twenties|thirties|forties|fifties|sixties|seventies|[2-7]0s)|"
    r"aged \d+|at (the )?age (of )?\d+|when (i|he|she|we) (was|were) (younger|at (school|uni|university|college)|in (school|college)|pregnant)|"
    r"when (my|his|her|our|their) \w+ (was|were) born|recovered (well|fully|completely)|made a (full|good|complete) recovery|"
    r"(was|were|turned out to be) (just |only )?(reflux|indigestion|heartburn|anxiety|a panic attack|muscular|a virus|a faint|"
    r"low blood (pressure|sugar)|dehydration|nothing serious)|"
    r"(i|he|she|we) (was|were) (only |just |about |around |barely )?(\d+|a (kid|child|teenager|baby|boy|girl|student))(?! ?(minutes?|mins?|hours?|hrs?|seconds?|secs?|days?|weeks?|%|percent))|since childhood|only once|just once|once (when|before|in|as)|one time|none since|nothing since|it passed|gone now|went away|"
    r"(it|that) was fine(?! (until|till|when|this|in the (morning|afternoon)|yesterday|last night|earlier|an hour|\d+|a few|at))|cleared up|much better now|better now|fine now|all fine|(is|'s|are|was) (completely |totally |all )?normal now|back to normal|i'?m ok now|turned out|"
    r"was treated|were treated|got treated|sent (him|her|me|us) home|kept (him|her|me) in|discharged|"
    r"when (i was|he was|she was) (first )?diagnosed|at the time|afterwards|came round|harmless|"
    r"(been )?(fine|well|ok|okay|normal|(his|her|my|their) (usual|normal|old) self) (ever )?since(?! (this|an hour|\d+ ?(minutes?|mins?|hours?)))|"
    r"(said|says|told (us|me|him|her)) (that )?(it was|it'?s|it is|he was|she was|he'?s|she'?s|he is|she is|everything (was|is)) "
    r"(fine|ok|okay|nothing|just|normal|all right|alright))\b"
)
PAST_VERB = _p(
    r"\b(had|was|were|went|got|did|fell|hit|took|came|felt|lost|woke|saw|said|told|gave|kept|sent|ran|rang|began|"
    r"(?!(?:need|bleed|speed|feed|seed|breed|proceed|succeed|exceed|shed|bed|red)\b)\w{3,}ed)\b"
)
# The symptom is inside a hypothetical or a general question, not happening.
WHAT_IF = _p(
    r"\bwhat (should|do|would|can|must|will) (i|we|you|one|they|people) do (if|when|in case)\b|\bwhat if\b|\bin case\b|"
    r"(?<!sorry )(?<!apologies )(?<!apologise )(?<!apologize )(?<!forgive me )(?<!not sure )(?<!unsure )"
    r"(?<!wondering )(?<!don't know )(?<!dont know )(?<!no idea )"
    r"\bif (i|he|she|we|they|my \w+|someone|somebody|a person|you|it|this|that|ever|\w+ ever|"
    r"(mum|mom|dad|mam|nan|nana|gran|granny|grandad|grandpa|grandma|husband|hubby|wife|partner|son|daughter)('?s)?)\b|"
    r"\bwhen should (i|we|you)\b|"
    r"\bhow (do|would|will|can|could) (i|we|you|people) (know|tell|recogni[sz]e|spot)\b|\bwarning signs?\b|"
    r"\bwhat are the (signs|symptoms)\b|\b(watch|look) out for\b|\b(should i|do i) (go|call)\b.{0,40}\bif\b|"
    r"\b(worr\w+|scared|afraid|frightened|fear|nervous)\b.{0,40}\b(might|could|will|would|going to|one day|ever|in (the )?future)\b|"
    r"\bwhen to (call|worry|go|ring)\b|\bi (imagine|picture)\b|"
    # "suppose her face drooped", "let's say", "in the event of", "should he ever collapse"
    r"(?<!i )\b(suppose|supposing|assuming)\b|\b(let'?s say|in the event (of|that)|god forbid|heaven forbid)\b|"
    r"(^|[.,;:!?]\s*)(say|imagine) (he|she|they|i|we|my|your|someone|somebody|a)\b|"
    r"(^|[.,;:!?]\s*)should (he|she|they|my \w+|your \w+|someone|somebody) (ever )?"
    r"(start|develop|become|collapse|begin|stop|suddenly|lose|have|get)\b"
)
# A question asking for information about a symptom, not telling of one.
INFO = _p(
    r"\b(what|wat|wot) (is|are|counts as|does .{0,40} mean|signs|symptoms)\b|\b(signs|symptoms) (of|vs|versus|that|mean)\b|"
    r"\bhow (fast|quickly|soon)\b|\bvs\b|\bdifference between\b|\bshould make me\b|\bmean (i|we) should\b|"
    r"\b(ring|call) for an ambulance\b|\b(allergy|side effects?|warning) signs\b|"
    r"\b(higher|high|increased|greater|more|lower) (risk|rates?|chance) of\b|"
    r"\b(prevalence|incidence|cohorts?|case series|in the literature)\b|\bhow (common|rare)\b|"
    r"\b(you|one|people|patients) (have to|has to|should|must|need to|are (told|supposed) to) (report|call|ring|tell|watch|look|go)\b"
)
# What a leaflet, website or article says: information, unless something is happening now.
REPORTED = _p(
    r"\b(leaflet|website|booklet|article|magazine|forum|sheet|card|list|post)\b.{0,20}\b(says?|said|lists?|listed|mentions?|"
    r"mentioned|warns?|warned|explains?|talks about)\b|"
    r"\b(leaflet|website|booklet|article|magazine|sheet|video|page)s? (about|on)\b|"
    # hearsay about someone else: "I heard a man with siderosis...", "a lady in the group..."
    r"\b(i|we) (heard|read|was told|were told) (that |about |of )(a|an|someone|somebody|some|one|another)\b|"
    r"\b(i|we) (heard|read) (of |about )?(a|an|one|another|some) (man|woman|lady|guy|person|patient|people|girl|boy|child)\b|"
    r"\b(a|one|another|some) (lady|man|woman|guy|bloke|chap|person|member|patient|friend|girl|boy) "
    r"(in|on|at|from) (the|my|our|a) (group|forum|support group|facebook group)\b"
)
# Figures of speech and jokes: "my head is exploding with all the info", "lol".
FIGURATIVE = _p(
    r"\b(lol|haha\w*|lmao|jk|joking|not literally|figuratively|metaphor\w*|so to speak)\b|"
    r"\b(of|with) (all )?(the )?(info|information|paperwork|forms|letters|appointments|admin|news|questions|stuff)\b|"
    r"\b(nearly|almost) (had|gave|giving) (me |us |him |her )?(having )?(a )?(stroke|heart attack|fit|seizure|coronary)\b|\b(is|are) killing me\b|\bso tired\b|"
    r"\b(giving|(will|going to|gonna) give) (me|us) (a )?(heart attack|coronary|stroke|nervous breakdown)\b|"
    r"\bchok(ed|ing|e|es) up\b|\b(could|want to|wanna) kick (myself|himself|herself)\b|"
    r"\boverdos\w* on (google|the internet|the web|info\w*|reading|research|news|forums?|websites?|chocolate|tv|telly|coffee)\b|\b(news|diagnosis|letter|results?|phone call)\b.{0,20}\b(knocked|floored|winded)\b"
)
TOLD_IN_PAST = _p(r"\b(took|taken|swallowed|drank|ate|cut|jumped|overdosed)\b")
GENERAL_START = _p(r"^\W*(can|could|does|do|is|are|will|would|what|how|why|which|when|where|should|has|have|may|might)\b")
PERSONAL = _p(
    r"\b(i|i'm|im|i've|ive|i'd|me|my|mine|myself|we|our|us|he|she|he's|she's|hes|shes|his|her|him|they're|their|them|"
    r"husband|hubby|wife|partner|dad|mum|mom|father|mother|son|daughter|brother|sister|friend|child|baby|grandad|grandma|"
    r"grandmother|grandfather|nan|gran|patient|toddler|kid)\b"
)
# "no fever", "without a stiff neck", "hasn't got a rash", "no thoughts of hurting myself":
# masked before patterns are read. "no feeling", "no control" and the like are symptoms, so kept.
NEGATED = _p(
    r"\b(no|nil|nothing(?= (sudden|new|like|serious|unusual|major|worrying|dramatic))|zero|neither|without|(i |he |she |they |we )?(don'?t|doesn'?t|do not|does not) feel|(i )?don'?t think (he'?s|she'?s|they'?re|i'?m|he is|she is|they are|i am)( been)?|not got|haven'?t got|hasn'?t got|don'?t have|doesn'?t have|do not have|does not have|"
    r"haven'?t had|hasn'?t had|never had|never( actually| really| ever)?( been| felt)?|denies|no sign of|no signs of|free (of|from)|not any|not (had|got|felt)|"
    # the contractions of "is not", "was not", "did not" read as "not" (not "can't", "won't": symptoms)
    r"(isn'?t|wasn'?t|weren'?t|aren'?t|didn'?t|hasn'?t|haven'?t|not)( been)?)\s+"
    r"(any\s+|a\s+|an\s+|real\s+|overt\s+|obvious\s+|active\s+|significant\s+|further\s+|new\s+)?"
    r"(?!feeling|feel\b|control|sensation|response|reaction|movement|pulse|one\b|way\b|reason|point|idea|longer|breathing|breathe\b|"
    r"responding|respond\b|waking|wake\b|woken?\b|moving|move\b|answering|making|make\b|stopping|stop\b|able|there|here|alive|going|"
    r"return|recovery|improvement|conscious|awake|know|recogni|rememb|talk|speak|eat|drink|right\b|himself|herself|myself|"
    # what is not happening that is the emergency: "didn't come round", "isn't letting up"
    r"com(e|ing)\b|came\b|regain|aware|with\b|let|eas(e|ing)|settl|calm|wear|get|improv|back\b|out\b|over\b|"
    r"finish|end|slow|responsive|usual|normal|mov|open|spok|pass(ed|ing)?\s+(any\s+)?(urine|water|wee|stool)|said|"
    r"wee|pee|stop|heard|hear|seen|see|known|felt|"
    r"(me|him|her|us|them|you|my|his|their)\b)"  # "better off without me", "don't feel my legs" are no denials
    r"[\w-]+((\s*,\s*|\s+(or|and|nor)\s+)(no\s+|nil\s+|any\s+|never\s+)?(?!feeling|control)[\w-]+)*"
    r"(\s+(of|to|about)\s+(\w+\s+){0,2}(myself|himself|herself|my life|it all|anything|suicide))?"
)


NOT_LITERALLY = _p(r"\b(not literally|figuratively|metaphorically|so to speak)\b")


def is_figurative(piece: str, message: str = "") -> bool:
    return bool(FIGURATIVE.search(piece) or (message and NOT_LITERALLY.search(message)))


# Everyday and clinical wordings read as the words the patterns know: a temperature given
# as a figure is a fever; a neck that cannot bend is a stiff neck.
FEVER_FIGURE = _p(r"\b(temp\w*|t|running|fever( of)?|spiking|spiked|at|of|is|was|pyrexi\w*|febrile)\s*[:=]?\s+(a\s+)?(3[89]|4[0-2])([.,]\d)?\s*(°\s*)?(c|degrees|deg)?\b")
STIFF_NECK = _p(r"\b(can'?t|cannot|can not|unable to|won'?t|hurts? to) (bend|move|turn|flex) (his|her|my|their|the) neck\b|\bchin (to|on) (his|her|my|their) chest\b|"
                   r"\bneck (stiffness|rigidity)\b|\bnuchal rigidity\b|\bmeningism\b")
# Clinical words for a fever, read as the everyday one.
FEVER_WORD = _p(r"\b(pyrexi\w*|febrile)\b")


# Found normal: "temp normal", "bloods fine", "bladder ok", "speech normal".
FOUND_NORMAL = _p(
    r"(?<!not )(?<!n't )(?<!nt )(?<!never )\b(temp(erature)?|throat|bloods?|blood (count|tests?)|neutrophils|wbc|white (cells?|count)|bladder|bowels?|vision|"
    r"speech|sats|oxygen|breathing|neck|face|throat|lips|tongue|arms?|legs?|chest|eyes|pupils)('s)?\s*"
    r"(:|is|was|are|were|moves?|works?|looks?|seems?|feels?)?\s*"
    r"(completely |totally |perfectly )?(normal(ly)?|fine|ok|okay|good|clear|negative|stable|unremarkable|symmetrical)\b"
)
# What must be there: "is he breathing? no" is the emergency, never a denial.
VITAL_WORDS = r"breath|respon|awake|conscious|pulse|wak|mov|talk|answer|open"
VITAL = _p(VITAL_WORDS)
# Asked and denied: "numbness in the saddle area? no", "fever: none".
ASKED_DENIED = _p(
    rf"(?<![\w'])(?:(?!{VITAL_WORDS})[^.?!:;])"
    r"{2,60}?[?:]\s*(no|nope|none|nil|negative)\b[.!,]?"
)
BARE_NO = _p(r"^\W*(no|nope|none|nil|negative|not really|never)\W*$")


def answered_no(sentence: str, found: list[str]) -> bool:
    """A sentence asked and answered no by the next one: "numbness in the saddle area? no."
    Never for what must be there ("is he breathing? no" is the emergency)."""
    if not sentence.endswith("?") or VITAL.search(sentence) or sentence not in found:
        return False
    n = found.index(sentence)
    return n + 1 < len(found) and bool(BARE_NO.match(found[n + 1]))


@lru_cache(maxsize=512)  # every piece is masked by the patterns, the similarity and the onset test
def masked(sentence: str) -> str:
    text = FEVER_FIGURE.sub(" a fever ", sentence)
    text = FEVER_WORD.sub(" a fever ", STIFF_NECK.sub(" a stiff neck ", text))
    text = ASKED_DENIED.sub(" ", FOUND_NORMAL.sub(" ", text))
    return NEGATED.sub(" ", text)


def is_general(piece: str) -> bool:
    """A general question ("can siderosis cause seizures?"), about nobody in particular."""
    return bool(GENERAL_START.search(piece)) and not PERSONAL.search(piece)


# A story about getting ready for something ("I'm starting deferiprone next week ... what
# signs should I watch for"): its symptoms are what might come, not what is happening.
PLANNING = _p(
    r"\b(next (week|month|year|appointment|visit)|(starting|start|begin\w*) .{0,40}\b(next|soon|tomorrow)|"
    r"(going|about|due) to (start|begin)|before (i|we|he|she) (start|begin)|(get|getting) (organised|organized|ready|prepared)|"
    r"trying to (decide|make a decision|understand|plan)|(want|like) to (understand|know|be prepared|be ready|plan))\b"
)
LONG_STORY = 4  # sentences: in a story this long, told as past or as planning, a symptom needs a sign of now
HAPPENING = _p(r"\b(is|are|am|i'?m|he'?s|she'?s|they'?re|hes|shes|im|keeps?|been) (\w+ ){0,3}\w+ing\b")


@lru_cache(maxsize=64)
def _long_story(message: str) -> bool:
    """A long message told as past or as planning (once per message)."""
    return len(sentences(message)) >= LONG_STORY and bool(PAST.search(message) or PLANNING.search(message))


def _no_sign_of_now(piece: str, message: str) -> bool:
    """In a long story told as past or planning, a piece with no sign that it is happening now."""
    if not _long_story(message):
        return False
    return not (NOW.search(piece) or RECENT.search(piece) or HAPPENING.search(piece) or TOLD_IN_PAST.search(piece))


# Told in the present: "and my mouth is drooping", "she's got hives", "I have head pain when I stand".
PRESENT = _p(
    r"\b(is|are|am|i'?m|he'?s|she'?s|they'?re|hes|shes|im) (\w+ ){0,2}\w+ing\b|"
    r"\b(i'?ve|he'?s|she'?s|they'?ve|we'?ve|ive|hes|shes) got\b|\b(has|have) got\b|"
    r"\b(i|he|she|we|they) (have|has|feel|feels|can'?t|cannot|keeps?)\b"
)


@lru_cache(maxsize=64)
def _sentence_set(message: str) -> frozenset[str]:
    return frozenset(sentences(message))


def _starts_sentence(piece: str, message: str) -> bool:
    return piece == message or any(piece.startswith(s[:40]) for s in _sentence_set(message))


@lru_cache(maxsize=64)
def _story_in_past(message: str) -> bool:
    return bool(PAST.search(message))  # once per message, not once per piece


def is_past(piece: str, message: str = "") -> bool:
    """Told as over: a past marker here (or in the message, with a past-tense verb here),
    and nothing here saying it is happening now."""
    if STRONG_NOW.search(NEVER_AGAIN.sub(" ", PAST.sub(" ", piece))):
        return False
    if PAST.search(piece):
        return True
    # A story told in the past carries its sentences with it, except an overdose or the like,
    # which is always told in the past tense however recent it is.
    return (
        _story_in_past(message) and bool(PAST_VERB.search(piece))
        and not RECENT.search(piece) and not TOLD_IN_PAST.search(piece)
        and not (PRESENT.search(piece) and piece in _sentence_set(message))
    )


# Long-standing: "weak for years, little by little", "the same headache for ages".
CHRONIC = _p(
    r"\b(for|over) (the )?(last |past )?(many |several |a few |some |about |around |nearly |almost |over )?"
    r"(\d+|two|three|four|five|six|seven|eight|nine|ten|many|several|couple of) (years|yrs)\b|"
    r"\bfor (years|decades|a long time|a very long time)\b|\bsince (a )?long time\b|\bsince years\b|"
    r"\b(little by little|bit by bit|gradually|slowly)\b|\b(the )?same as (always|ever|usual|before)\b|"
    r"\b(has|have|'s|'ve|had) always (been|had|done)\b|"
    # habits, not an event: "she falls quite often", "he gets these jerks"
    r"\b(quite |very |fairly )?(often|frequently|regularly)\b|\b(now and then|now and again|every so often|from time to time)\b|"
    r"\b(gets?|getting) (these|those)\b|\balways (been|had) (a bit |a little |slightly |quite )?\w+"
)
# Signs of a new change, which a long-standing story does not rule out.
CHANGE = _p(
    r"\b(sudden\w*|all of a sudden|out of (nowhere|the blue)|new|just|today|tonight|this (morning|afternoon|evening)|now)\b|"
    r"\b(is|are|am|i'?m|he'?s|she'?s|they'?re|hes|shes|im) (\w+ ){0,3}(?!(morning|evening|during|ceiling|anything|something|nothing|everything)\b)\w+ing\b"
    # going on as told: "he is on the floor shaking" (not "is there anything")
)


# Words of sudden or new onset, for the categories whose sign superficial siderosis also
# causes slowly (content/triage.yaml `needs_onset`): a change, a sign of now, a recent time,
# or onset words ("woke up deaf", "came on", "acute", "within hours").
ONSET_WORDS = _p(
    r"\b(woke|waking|wakes|overnight|came on|comes on|coming on|started|starting|began|begun|out of the blue|"
    r"acute\w*|abrupt\w*|instant\w*|immediately|in seconds|went|gone|dropped|drops?|"
    r"(in|over|within|for) (a|an|one|two|three|the last|the past)( few| couple of)? (days?|hours?|hrs?)|"
    r"(\d+|an?|one|two|three|four|five|a few|few|a couple of|couple of) (days?|hours?|hrs?) ago|"
    r"since (the |my |his |her |their )?(lp|lumbar puncture|spinal tap|op|operation|procedure|surgery|myelogram|blood patch))\b"
)


# "he's going deaf", "getting worse": told in the present, but a slow change, not an onset.
GRADUAL = _p(r"\b(going|getting|becoming|growing|deteriorating|worsening|declining)\b")


def has_onset(piece: str) -> bool:
    """The piece says the change is sudden, new or recent (not only that the sign is there)."""
    if ONSET_WORDS.search(piece) or STRONG_NOW.search(piece) or RECENT.search(piece):
        return True
    return bool(CHANGE.search(GRADUAL.sub(" ", piece)))


def is_chronic(piece: str) -> bool:
    """Told as long-standing, with no sign of a change now."""
    return bool(CHRONIC.search(piece)) and not (CHANGE.search(piece) or STRONG_NOW.search(piece) or RECENT.search(piece))


@lru_cache(maxsize=256)
def not_now(piece: str, message: str) -> bool:
    """Past, long-standing, general, asking for information, or figurative: never urgent,
    whatever it mentions. Remembered: every run of words in a long sentence asks it again
    of that whole sentence."""
    if is_past(piece, message) or is_figurative(piece, message) or is_chronic(piece):
        return True
    if is_general(piece) and (not message or _starts_sentence(piece, message)):
        return True
    if REPORTED.search(piece) and not NOW.search(piece):
        return True
    return bool(INFO.search(piece)) and not STRONG_NOW.search(piece)


def hypothetical_before(piece: str, position: int) -> bool:
    """True when a what-if phrase comes before `position` in the piece."""
    match = WHAT_IF.search(piece)
    return bool(match) and match.start() <= position


def sentence_of(piece: str, found: list[str]) -> str:
    """The sentence a run of words was cut from (the piece itself for whole sentences)."""
    return next((s for s in found if piece in s and piece != s), piece)


def asked_ahead(piece: str, found: list[str]) -> bool:
    """A run of words cut from a sentence whose what-if phrase comes before it."""
    sentence = sentence_of(piece, found)
    if sentence == piece:
        return False
    opening = WHAT_IF.search(sentence)
    return bool(opening) and opening.start() <= sentence.find(piece) and not RIGHT_NOW.search(sentence)
