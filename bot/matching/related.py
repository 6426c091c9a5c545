"""Words and phrases that mean the same thing in a chat with a treatment center.

A visitor asks about "suboxone", "cigna" or "UAs"; the examples say
"medication", "insurance" and "drug test". Each group below lists words a
visitor may use for one thing. When the pack's examples never use a member,
the normalizer rewrites it to the member they use most, so the examples need
not name every insurer, drug or state.

Rules of thumb for editing the groups:

* A member the pack uses itself is never rewritten, so a pack that answers
  "medicaid" apart from "insurance" keeps them apart.
* A group with no member in the examples does nothing: a new word needs one
  example that uses some member of its group.
* Groups must not overlap, and a member must mean the group's thing in nearly
  every message a treatment center gets: "na" (no), "ma" (mom), "script" (of a
  web page; "scripts" is in), "daycare", "rate" ("success rate") and "manager"
  ("case manager") would merge things that differ, so they are left out.
  Emergency words ("narcan", "naloxone", "overdose") belong to the safety layer
  and are not here.
* Multi-word members are matched as whole phrases on normalized words (after
  "meds" -> "medications", "12 step" -> "12step").
"""

from __future__ import annotations

from typing import Final

# US states without a person's name among them ("georgia", "virginia", "washington"):
# "are you in vermont?" asks where the center is, whatever state the pack names.
_STATES: Final = (
    "alabama, alaska, arizona, arkansas, california, colorado, connecticut, delaware, florida, "
    "hawaii, idaho, illinois, indiana, iowa, kansas, kentucky, louisiana, maine, maryland, "
    "massachusetts, michigan, minnesota, mississippi, missouri, montana, nebraska, nevada, "
    "new hampshire, new jersey, new mexico, new york, north carolina, north dakota, ohio, "
    "oklahoma, oregon, pennsylvania, rhode island, south carolina, south dakota, tennessee, "
    "texas, utah, vermont, west virginia, wisconsin, wyoming, new england"
)

GROUPS: Final = (
    (
        "cost, costs, price, prices, pricing, priced, fee, fees, charge, charges, expense, "
        "expenses, expensive, pricey, cheap, money, dollars, afford, affordable, pay, paying, "
        "payment, payments, bill, billing, out of pocket, self pay, self paying, private pay, "
        "cash pay, financing, finance, scholarship, scholarships, discount, discounts"
    ),
    (
        "insurance, insurer, insurers, insured, uninsured, coverage, health plan, aetna, cigna, "
        "humana, anthem, tricare, kaiser, bcbs, blue cross, blue shield, united healthcare, "
        "unitedhealthcare, uhc, optum, ambetter, molina, medicaid, medicare, mainecare, "
        "masshealth, copay, copays, co pay, deductible, deductibles, coinsurance, harvard pilgrim, "
        "wellcare, wellpoint, oxford health, emblemhealth, caresource, centene, carelon, magellan, "
        "beacon health, geha, champva, obamacare, premium, premiums, marketplace plan, out of network, "
        "in network, innetwork, preauthorization, prior authorization"
    ),
    "start, starting, begin, begins, beginning, began, commence",
    (
        "enroll, enrol, enrolled, enrolling, enrollment, sign up, signup, register, registration, "
        "admission, admissions, intake, join, joining"
    ),
    "location, located, address, directions, city, town, map, maps",
    _STATES,
    "confidential, confidentiality, private, privacy, anonymous, secret, discreet, hipaa",
    "information, data, details, records",
    "person, human, staff, agent, representative, rep, operator, employee, human being",
    "long, length, lengthy, duration, timeline, timeframe, time frame",
    "goal, goals, aim, aims, objective, objectives, purpose, outcome, outcomes",
    "qualify, qualifies, qualified, eligible, eligibility, candidate",
    (
        "son, daughter, wife, husband, spouse, partner, boyfriend, girlfriend, fiance, fiancee, "
        "child, kid, kids, children, mom, mother, dad, father, parent, parents, brother, sister, "
        "sibling, cousin, uncle, aunt, nephew, niece, grandson, granddaughter, grandmother, "
        "grandfather, grandma, grandpa, friend, loved one, relative, relatives"
    ),
    "job, jobs, employer, boss, career, employment, workplace",
    (
        "time off, leave of absence, fmla, pto, medical leave, sick leave, sick days, sick time, "
        "paid leave, unpaid leave, disability leave"
    ),
    "childcare, child care, babysitter, babysitting",
    (
        "school, college, university, class, classes, studies, student, students, semester, "
        "campus, grad school, community college, trade school, lectures"
    ),
    (
        "medication, medications, medicine, medicines, prescription, prescriptions, "
        "suboxone, subutex, zubsolv, buprenorphine, bupe, sublocade, brixadi, methadone, "
        "vivitrol, naltrexone, antabuse, disulfiram, acamprosate, campral, antidepressant, "
        "antidepressants, scripts, psych medications, psych medication, psychiatric medications, "
        "psychiatric medication, mental health medications, medication assisted treatment, "
        "medication assisted therapy, medication assisted recovery, injection, injections, injectable"
    ),
    (
        "test, tests, testing, tested, screen, screens, screening, screened, urinalysis, urine, "
        "pee in a cup, ua, uas, u a, urine screen, pee test, piss test, tox screen, toxicology, "
        "hair test, hair follicle test, mouth swab, breathalyzer, breathalyzers, breathalyze, "
        "breathalyzed, breath test, saliva test, saliva tests, swab test, oral swab"
    ),
    (
        "12step, aa, alcoholics anonymous, narcotics anonymous, cocaine anonymous, "
        "crystal meth anonymous, big book, step work"
    ),
    "php, partial, day hospital, day hospitalization",
    "regular, traditional, conventional",
    "meditation, meditate, mindfulness, mindful",
    "therapy, therapies, counseling, psychotherapy, modality, modalities",
    (
        "evidence based, cbt, dbt, cognitive behavioral therapy, cognitive behavioural therapy, "
        "dialectical behavior therapy, motivational interviewing"
    ),
    (
        "family therapy, family counseling, couples counseling, couples therapy, "
        "marriage counseling, marital counseling, marriage therapy"
    ),
    "therapist, therapists, counselor, counselors, clinician, clinicians",
    "alcohol, drinking, drinks, drank, drunk, drinker, drinkers, booze, liquor",
    "severe, serious, heavy, extreme",
    (
        "drug, drugs, substance, substances, opioid, opioids, opiates, heroin, fentanyl, cocaine, "
        "meth, methamphetamine, pills, painkillers, pain killers, pain pills, marijuana, weed, "
        "cannabis, benzos, narcotics, "
        "xanax, klonopin, valium, ativan, benzodiazepines, kratom, gabapentin, adderall, "
        "stimulants, amphetamines, crack cocaine, ecstasy, mdma, molly, ketamine, oxy, oxycodone, "
        "oxycontin, percocet, vicodin, hydrocodone, morphine, dilaudid, tramadol, xylazine, "
        "lsd, psilocybin, hallucinogens"
    ),
    "addiction, addicted, addict, addicts, dependence, dependency, hooked, junkie, habit",
    "teen, teens, teenager, teenagers, adolescent, adolescents, minor, minors, youth",
    "schedule, schedules, timetable, calendar",
    "hello, hi, hey, hiya, howdy, greetings, heya, hola",
    "bye, goodbye, farewell, ttyl",
    "thanks, thank, thankyou, appreciate, appreciated, grateful, cheers",
    "help, assist, assistance",
    "phone, telephone, cell, cellphone, mobile",
    "talk, speak, chat, conversation, conversations",
    "worried, worry, concerned, scared, afraid, anxious",
    "fit, suit, suits, suitable, appropriate, ideal",
    "center, facility, facilities, clinic, office, building, site, premises",
    "day, days, daily",
    (
        "finish, finished, finishing, complete, completed, completing, completion, graduate, "
        "graduating, graduation"
    ),
    "involved, involve, involvement, participate, participating, participation",
    "individual, 1 on 1, 1 to 1",
    ("personalized, personalised, tailored, customized, customised, custom, individualized"),
    (
        "requirements, requirement, rules, rule, required, mandatory, expectations, checklist, "
        "forced, obligated, obligatory, compulsory"
    ),
    "attend, attendance, attending, show up",
)

# The same groups as tuples of members.
RELATED: Final = tuple(tuple(m.strip() for m in g.split(",")) for g in GROUPS)
