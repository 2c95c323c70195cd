"""The prose of one synthetic article: authorial claims and questions, speakers' statements, trends and
quotations, each sentence written with the items it states (:mod:`corpus_items`)."""

from __future__ import annotations

from corpus_items import ArticleItems, state_name
from corpus_pools import CITIES, CONCEPTS, REGIONS, ROLES, STATES, Person, month_day

from kg.model import (
    Collection,
    Event,
    Holding,
    Span,
)


class ArticleBuilder(ArticleItems):
    """Writes one article's text, section by section, with its items."""

    def authorial_section(self) -> None:
        rng = self.rng
        c_slug, c_label = self.concept(rng.randrange(1, len(self.pools.concepts)))
        state = self.state(rng.choice(STATES))
        if rng.random() < 0.4:
            self.claim(
                f"Can {self.entities[state].label} pursue {c_label} without weakening its alliances?",
                mentions=[state],
                about=[c_slug],
            )
        else:
            sa_slug, sa_label = self.concept(0)
            self.claim(
                f"Observers note that {c_label} and {sa_label} are increasingly discussed together in "
                f"{self.entities[state].label}, though the two goals can pull in different directions.",
                mentions=[state],
                about=[c_slug, sa_slug],
                stance=rng.choice(("describes", "qualifies")),
            )

    def speaker_section(self, person: Person, year: int, *, first: bool) -> None:
        """An introduction (paraphrase naming the office, event, place and date), then quotations."""
        rng = self.rng
        speaker = self.person(person)
        home = self.state(state_name(person))
        post = self.post(home, person.role)
        former = self.post(home, person.former_role) if rng.random() < 0.25 else None
        _, _, short_role = ROLES[person.role]
        home_label = self.entities[home].label
        date_value, stated, said_day = month_day(rng, year)
        medium = rng.choice(("speech", "speech", "interview", "television", "periodical"))
        city = self.city(rng.choice(CITIES))
        sa_slug, _ = self.concept(0)
        topic_slug, topic_label = self.concept(0 if rng.random() < 0.7 else rng.randrange(1, len(CONCEPTS)))
        partners = [self.state(s) for s in rng.sample(STATES, k=2)]
        partner_labels = [self.entities[p].label for p in partners]

        # One sentence, written piece by piece: office phrase, event phrase, date, content.
        t = self.text
        start = t.length
        lead = "Most recently, " if first else "Meanwhile, "
        t.add(lead)
        office_phrase = t.add(f"{home_label}\u2019s {short_role} {person.label}")
        holding_slug = f"{speaker}-{post.slug}-{self.number}"
        if former is not None:
            t.add(", a former ")
            former_phrase = t.add(f"{ROLES[person.former_role][1]} of {home_label}")
            t.add(",")
        event_slug = f"{medium}-{speaker}-{self.number}-{len(self.events)}"
        event_types: tuple[str, ...]
        place: str | None = city
        extra_events: list[Event] = []
        if medium == "speech":
            conference_label = f"{rng.choice(REGIONS)} Security Dialogue {year}"
            t.add(" ")
            ev_start = t.length
            t.add("said at ")
            conf_phrase = t.add(f"the {conference_label} in {self.entities[city].label}")
            t.add(" on ")
            day_span = t.add(said_day)
            conf_slug = f"conference-{self.number}-{len(self.events)}"
            extra_events.append(
                Event(conf_slug, ("Conference",), f"{conference_label} ({self.slug})", place=city, evidence=conf_phrase)
            )
            event_types, event_label, part_of = (
                ("Speech",),
                f"Speech by {person.label} at {conference_label}",
                conf_slug,
            )
            evidence = Span(ev_start, day_span.end, "")
        elif medium in ("interview", "periodical"):
            outlet = rng.choice([o for o in self.pools.outlets if (o.type == "Periodical") == (medium == "periodical")])
            self.org(outlet)
            t.add(" said in ")
            ev_start = t.length
            t.add(f"an interview with {outlet.label} published on ")
            day_span = t.add(said_day)
            evidence = Span(ev_start, day_span.end, "")
            event_types, event_label, part_of = ("Interview",), f"Interview with {person.label} ({outlet.label})", None
            place = None
            if medium == "periodical":
                issue_slug = f"issue-{outlet.slug}-{self.number}-{len(self.events)}"
                extra_events.append(
                    Event(
                        issue_slug, ("PeriodicalIssue",), f"{outlet.label}, issue of {said_day}", issue_of=outlet.slug
                    )
                )
        else:
            outlet = rng.choice([o for o in self.pools.outlets if o.type == "MediaOutlet"])
            self.org(outlet)
            t.add(" said ")
            ev_start = t.length
            t.add(f"on a {outlet.label} television program on ")
            day_span = t.add(said_day)
            evidence = Span(ev_start, day_span.end, "")
            event_types, event_label, part_of = ("TelevisionAppearance",), f"{person.label} on {outlet.label}", None
            place = None
        content = t.add(
            f" that it is important for each country to secure its {topic_label}, and that {home_label} should deepen "
            f"cooperation with {partner_labels[0]} and {partner_labels[1]}."
        )
        whole = Span(start, content.end, "".join(t.parts)[start : content.end])
        t.add(" ")
        text_so_far = "".join(t.parts)

        def exact(span: Span) -> Span:
            return Span(span.start, span.end, text_so_far[span.start : span.end])

        date_slug = self.date(
            date_value, "day", "inferred",
            f"The article states {said_day} without a year; {year} is inferred from its publication date.",
            stated, exact(day_span),
        )  # fmt: skip
        self.holdings[holding_slug] = Holding(holding_slug, speaker, post.slug, "current", exact(office_phrase))
        if former is not None:
            former_slug = f"{speaker}-{former.slug}-{self.number}"
            self.holdings[former_slug] = Holding(former_slug, speaker, former.slug, "former", exact(former_phrase))
        outlet_ref = {}
        if medium == "television":
            outlet_ref["broadcaster"] = outlet.slug
        if medium == "periodical":
            outlet_ref["published_in"] = extra_events[-1].slug
        for ev in extra_events:
            if ev.types == ("PeriodicalIssue",):
                ev = Event(ev.slug, ev.types, ev.label, issue_of=ev.issue_of, date=date_slug)
            self.events.append(ev)
        self.events.append(
            Event(
                event_slug, event_types, event_label, part_of=part_of, participants=(speaker,), date=date_slug,
                place=place, evidence=exact(evidence), **outlet_ref,
            )
        )  # fmt: skip
        stance = ((sa_slug, "advocates"),) if topic_slug == sa_slug else ()
        self._statement(
            "paraphrase", exact(whole), speaker=speaker, capacity=holding_slug, made_through=event_slug,
            made_through_basis="stated", date=date_slug, place=place, mentions=(speaker, home, *partners),
            about=(topic_slug,), partners=tuple(partners), stance=stance,
        )  # fmt: skip
        if rng.random() < 0.35:
            self.trends(person, sa_slug, partners)
        for _ in range(rng.randint(2, 5)):
            self.quotation(person, speaker, holding_slug, event_slug, date_slug, place, home)

    def trends(self, person: Person, sa_slug: str, partners: list[str]) -> None:
        """A paraphrase naming five trends, and their ordered collection (CQ2)."""
        region = self.rng.choice(REGIONS)
        region_slug = self.region(region)
        members = [sa_slug] + [self.concept(i)[0] for i in self.rng.sample(range(1, len(CONCEPTS)), k=4)]
        labels = [next(label for s, label in self.pools.concepts if s == m) for m in members]
        span, _ = self.text.sentence(
            f"{person.family} mentioned “{labels[0]}” as one of five encouraging trends in the {region} region. "
            f"The other four are: {labels[1]}; {labels[2]}; {labels[3]}; and {labels[4]}."
        )
        slug = f"five-encouraging-trends-{self.number}-{len(self.collections)}"
        self.collections.append(
            Collection(slug, f"five encouraging trends in the {region} region ({person.label})", tuple(members), True)
        )
        self.concepts_used.add(slug)
        self._statement(
            "paraphrase", span, speaker=self.person(person), mentions=(region_slug,), about=(*members, slug),
            partners=tuple(partners[:1]), stance=((sa_slug, "advocates"),),
        )  # fmt: skip

    def quotation(
        self, person: Person, speaker: str, holding: str, event: str, date: str, place: str | None, home: str
    ) -> None:
        rng = self.rng
        c_slug, c_label = self.concept(rng.randrange(len(self.pools.concepts)))
        other = self.state(rng.choice(STATES))
        other_label = self.entities[other].label
        home_label = self.entities[home].label
        template = rng.choices(range(5), weights=(1, 4, 4, 4, 4))[0]
        stance: str | None = None
        partners: tuple[str, ...] = ()
        if template == 0:
            words = (
                f"There is a healthy sense of caution about excessive reliance on {other_label}. An appropriate level "
                f"of {c_label} is an important foundation for maintaining stable relationships"
            )
            stance = "advocates"
        elif template == 1:
            words = f"In the case of {c_label}, will we stop cooperating with {other_label}"
            stance = "doubts"
            words += "?"
        elif template == 2:
            words = (
                f"We must deepen cooperation with like-minded countries such as {other_label}, and pave the way for "
                f"{c_label} without excessive reliance on any single partner"
            )
            partners = (other,)
            stance = "advocates"
        elif template == 3:
            words = f"The goal of {c_label} is easier said than done for {home_label}"
            stance = "qualifies"
        else:
            words = f"{home_label} and {other_label} share an interest in {c_label}, and we will keep talking"
            partners = (other,)
        t = self.text
        start = t.length
        t.add("“")
        span = t.add(words)
        t.add("”" if words.endswith("?") else ",” ")
        if not words.endswith("?"):
            t.add(f"{person.family} said.")
        else:
            t.add(f" {person.family} asked.")
        outer = Span(start, t.length, "".join(t.parts)[start : t.length])
        t.add(" ")
        about = (c_slug,)
        stance_pairs = ((c_slug, stance),) if stance else ()
        if rng.random() < 0.2:
            # The reporting sentence is itself a paraphrase, the quotation quoted within it.
            outer_slug = self._statement(
                "paraphrase", outer, speaker=speaker, capacity=holding, made_through=event,
                made_through_basis="context", date=date, place=place, about=about, stance=stance_pairs,
            )  # fmt: skip
            within: str | None = outer_slug
        else:
            within = None
        self._statement(
            "quotation", span, speaker=speaker, capacity=holding, within=within, made_through=event,
            made_through_basis="context", date=date, place=place, mentions=(other,), about=about,
            partners=partners, stance=stance_pairs,
        )  # fmt: skip
