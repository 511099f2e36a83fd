"""The one entry point every caller uses: the web app, the CLI, the eval and the tests.

`Engine.load` reads the content, checks the index and loads the model; `Engine.ask`
turns a question (and earlier questions) into a `Reply`.
"""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from threadpoolctl import threadpool_limits

from ssexplain.reply import answer
from ssexplain.reply.cache import AnswerCache
from ssexplain.config import Settings
from ssexplain.content.loader import Content, load_content
from ssexplain.reply import conversation
from ssexplain.reply.question_split import SHORT_MESSAGE, find_questions
from ssexplain.search.embedding import Encoder, load_encoder
from ssexplain.search.index_store import check_manifest, expected_model_id, load_index, model_folder
from ssexplain.search.keyword_search import KeywordIndex
from ssexplain.search.query_expansion import QueryExpander
from ssexplain.search.retrieval import Retriever, top_similarity
from ssexplain.reply.triage import Decision, Triage, Triager, load_triager
from ssexplain.search.encode_memo import MemoEncoder
from ssexplain.errors import BadQuestion
from ssexplain.reply.validation import clean_history, clean_question

# Below this best cosine similarity the sources do not answer the question. Calibrated on
# the banks' tuning folds with the fine-tuned model (0.41 on the dev set before it); see
# "The decline threshold" in docs/RETRIEVAL.md for the figures behind it.
MIN_SIMILARITY = 0.34
SEARCH_DEPTH = 8
STARTER_TOPICS = ("what-is", "causes", "symptoms", "diagnosis", "treatment")

# The latest reply made in this thread or task, so the web layer can log its score and
# citation count without ever handling the question text.
LAST_REPLY: ContextVar[answer.Reply | None] = ContextVar("ssexplain_last_reply", default=None)


@dataclass
class Engine:
    content: Content
    retriever: Retriever
    encoder: Encoder
    triager: Triager  # urgent triage and honest declines (docs/SAFETY.md)
    min_similarity: float = MIN_SIMILARITY
    cache: AnswerCache = field(default_factory=AnswerCache.from_settings, repr=False, compare=False)
    starters: tuple[str, ...] = field(init=False, default=())
    terms: conversation.TermFinder = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Offered with every "not covered" reply; they depend only on the content.
        self.starters = answer.starter_questions(self.content, STARTER_TOPICS)
        self.terms = conversation.TermFinder(self.content.glossary)

    @classmethod
    def load(cls, settings: Settings, *, encoder: Encoder | None = None) -> "Engine":
        # The matrix products here are small (a few vectors against a few thousand rows).
        # OpenBLAS's own thread pool makes them 10-50x slower on a busy 2-core host, and
        # each request already runs on its own thread: one BLAS thread (docs/BENCHMARKS.md).
        threadpool_limits(limits=1, user_api="blas")
        content = load_content(settings.content_dir)
        # Check the cheap things before the slow model load, so a stale index fails fast.
        base_model = expected_model_id(settings.model_path)
        check_manifest(settings.content_dir, settings.index_dir, expected_model_id=base_model)
        encoder = encoder or load_encoder(
            str(model_folder(settings.index_dir)), kind=settings.encoder, threads=settings.encoder_threads,
            runs=settings.encoder_runs_now(),
        )
        index = load_index(
            content, settings.content_dir, settings.index_dir, expected_model_id=base_model, encoder_id=encoder.id
        )
        encoder = MemoEncoder(encoder)  # triage embeds the question first; the search reuses it
        keywords = KeywordIndex(content.passages)
        retriever = Retriever(
            passages=content.passages,
            index=index,
            encoder=encoder,
            expander=QueryExpander(content.glossary, keywords.vocabulary, english=encoder.known_words()),
            keywords=keywords,
        )
        triager = load_triager(
            settings.content_dir, settings.index_dir, content=content, index=index, encode=encoder.encode,
            prepare=lambda q: retriever.prepare(q).dense_text, known_words=encoder.known_words(),
        )
        return cls(content=content, retriever=retriever, encoder=encoder, triager=triager)

    def warm_up(self) -> None:
        """One real encode and search, so the first person to ask does not wait for it."""
        self.ask("what is superficial siderosis?")

    def ask(self, question: object, *, history: object = None) -> answer.Reply:
        """Answer one question; raises BadQuestion for input a person must fix.

        The same (question, history) is answered from the cache the second time.
        """
        text = clean_question(question)
        earlier = clean_history(history)
        key = (text, tuple(earlier), self.min_similarity)
        reply = self.cache.get_or_compute(key, lambda: self._compose(text, earlier))
        LAST_REPLY.set(reply)
        return reply

    def remembered(self, question: object, *, history: object = None) -> answer.Reply | None:
        """The cached reply to this (question, history), or None; never searches.

        Earlier turns of a thread are shown from here, so a request costs one answer at most.
        """
        try:
            text, earlier = clean_question(question), clean_history(history)
        except BadQuestion:
            return None
        return self.cache.peek((text, tuple(earlier), self.min_similarity))

    def _compose(self, text: str, earlier: list[str]) -> answer.Reply:
        decision = self.triager.decide(text)  # the whole message: an urgent story is urgent
        if decision.urgent is not None:
            return answer.urgent(decision.urgent)
        decision = self._in_conversation(text, earlier, decision)
        found = find_questions(text)
        if not found.split:
            return self._answer(text, earlier, decision)
        # Urgency was decided above on the whole message, every sentence read in the light of
        # its story ("a head injury in his twenties" is past); a question cut out of that story
        # is no more urgent than it was inside it. Each question is triaged again only for its
        # own declines and personal decisions.
        decisions = [self._part_decision(asked.question) for asked in found.questions]
        parts = [
            answer.Part(asked.question, self._answer(asked.question, earlier, d, story=asked.before,
                                                     whole=text if len(text) <= SHORT_MESSAGE else ""))
            for asked, d in zip(found.questions, decisions)
        ]
        if decision.triage is Triage.ASK_DOCTOR and all(p.reply.status != "ask_doctor" for p in parts):
            # The personal decision is in the story, not in one question: the first one says so.
            first = parts[0]
            parts[0] = answer.Part(first.question, self._answer(first.question, earlier, decision, story=()))
        return answer.combined(parts, more=found.more)

    def _in_conversation(self, text: str, earlier: list[str], decision: Decision) -> Decision:
        """A short follow-up read alone ("who's on it?", "what does that mean") can resemble
        chit-chat or a personal question; in a conversation it is judged with the question
        before it. Only a decline by similarity of a follow-up whose every word the sources
        use is reconsidered: a decline by pattern, or a follow-up naming something the
        sources lack ("and is it on medicare?"), stands whatever came before."""
        if not earlier or decision.via != "similarity" or decision.triage not in (Triage.NO_ANSWER, Triage.ASK_DOCTOR):
            return decision
        if not conversation.may_lean_on_history(text):
            return decision
        if not all(self.triager.scope.subject_covered(word) for word in text.split()):
            return decision
        joined = self.triager.decide(f"{earlier[-1]} {text}")
        if joined.urgent is None and joined.triage is Triage.NONE:
            return Decision(Triage.NONE)
        return decision

    def _part_decision(self, question: str):
        """One question of a message whose whole text was not urgent: declines and personal
        decisions only (an urgent reading of the question alone, out of its story, is not
        acted on; the whole message already was)."""
        decision = self.triager.decide(question)
        return Decision(Triage.NONE) if decision.urgent is not None else decision

    def _answer(self, text: str, earlier: list[str], decision, *, story: tuple[str, ...] = (), whole: str = "") -> answer.Reply:
        """One question's reply, read alone or in the light of what came before it."""
        if decision.triage is Triage.NO_ANSWER and decision.scope.theme.reply:
            return answer.declined(decision.scope, self.starters)  # requests, chit-chat, test input
        reading, hits = self._read(text, earlier, story, whole)
        if decision.triage is Triage.NO_ANSWER:
            related = answer.related_reading(hits, self.content, threshold=self.min_similarity)
            return answer.declined(decision.scope, self.starters, related=related)
        if decision.triage is Triage.ASK_DOCTOR:
            reply = answer.ask_doctor(hits, self.content, threshold=self.min_similarity)
        elif (best := top_similarity(hits)) < self.min_similarity:
            reply = answer.no_answer(self.starters, top_score=best)
            return answer.warned(reply, decision.warning) if decision.warning else reply
        else:
            reply = answer.answered(hits, self.content, threshold=self.min_similarity, asked=[*earlier, text])
        if decision.warning:
            reply = answer.warned(reply, decision.warning)
        return replace(
            reply, understood_as=reading.understood_as(text), subject=reading.subject or self._own_subject(text),
            leaned_on=reading.leaned_on,
        )

    def _own_subject(self, text: str) -> conversation.Subject | None:
        subject = conversation.subject_of(text, self.terms)
        return None if subject is None or subject.label == conversation.CONDITION_LABEL else subject

    def _read(self, text: str, earlier: list[str], story: tuple[str, ...], whole: str = ""):
        """The question alone, or in context when it leans on the story or the earlier turn.
        `whole` is the short message the question was cut from, if it was.

        A follow-up that names nothing itself ("how common are they?") is read in context
        whenever the sources answer that reading; one that names something ("does it work
        for people with SS?") only when the context reading is answered better than the
        question alone (ties go to the question alone)."""
        # A question cut from a short message is also searched as the whole message, rankings
        # fused: "What usually happens over time? Do people get a lot worse?" asks one thing
        # twice, and each half alone is vaguer than the two together (docs/RETRIEVAL.md).
        alone = conversation.Reading(queries=(text, whole) if whole and whole != text else (text,))
        context = self._context(text, earlier, story)
        if context is None:
            return alone, self._search(alone)
        found = self._search(context, limit=conversation.RERANK_DEPTH)
        context_hits = conversation.rerank(found, text)[:SEARCH_DEPTH]  # "fixed?" wants a treatment
        best = top_similarity(context_hits)
        own = conversation.subject_of(text, self.terms)
        firm = context.firm and not conversation.names_a_new_subject(text, own)
        weak = not firm or (context.subject is not None and context.subject.from_topic)
        if not weak and own is None and best >= self.min_similarity:
            return context, context_hits
        alone_hits = self._search(alone)
        # A question that only may lean ("what did the findings show?", "memory loss
        # usual?") must be answered clearly better in context; else it is read alone.
        margin = 0.0 if firm else conversation.LOOSE_MARGIN
        if best > top_similarity(alone_hits) + margin:
            return context, context_hits
        return alone, alone_hits

    def _search(self, reading: conversation.Reading, *, limit: int = SEARCH_DEPTH):
        return self.retriever.search([self.retriever.prepare(q) for q in reading.queries], limit=limit)

    def _context(self, text: str, earlier: list[str], story: tuple[str, ...]) -> conversation.Reading | None:
        if not conversation.may_lean_on_history(text):
            return None
        if story and conversation.leans_on_history(text):
            nearest = conversation.subject_of(story[-1], self.terms)
            subject = nearest or conversation.subject_of(" ".join(story[-conversation.CONTEXT_TURNS:]), self.terms)
            reading = conversation.in_context(
                text, before=" ".join(story[-conversation.CONTEXT_TURNS:]), about=conversation.About(subject)
            )
            if reading is not None:
                return reading
        if not earlier:
            return None
        # What the previous reply was about. It is recomputed (or found in the cache) with at
        # most one turn before it, so a follow-up costs at most two earlier answers.
        previous_question = earlier[-1]
        if not conversation.leans_on_history(text):
            # A question that only may lean costs no earlier answer: the previous reply is
            # used if it is still in memory, else what the previous question named.
            previous = self.remembered(previous_question, history=earlier[-2:-1])
            if previous is None:
                about = conversation.about_reply(previous_question, understood=None, cited_topics=[], finder=self.terms)
                return conversation.in_context(text, before=previous_question, about=about,
                                               leaned_on=(previous_question,), loosely=True)
        else:
            try:
                previous = self.ask(previous_question, history=earlier[-2:-1])
            except BadQuestion:
                return None
        if previous.status == "urgent":
            return None
        asked = previous.parts[0].question if previous.parts else previous_question
        about = conversation.about_reply(
            asked, understood=previous.subject,
            cited_topics=[self.content.passage(c.id).topics for c in previous.citations],
            cited_texts=[f"{c.plain} {c.quote}" for c in previous.citations], cited_ids=[c.id for c in previous.citations],
            finder=self.terms,
        )
        leaned = (*previous.leaned_on[-1:], previous_question) if previous.leaned_on else (previous_question,)
        return conversation.in_context(text, before=asked, about=about, leaned_on=tuple(leaned), loosely=True)
