"""The one entry point every caller uses: the web app, the CLI, the eval and the tests.

`Engine.load` reads the content, checks the index and loads the model; `Engine.ask`
turns a question (and earlier questions) into a `Reply`.
"""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from ssexplain.reply import answer
from ssexplain.reply.cache import AnswerCache
from ssexplain.config import Settings
from ssexplain.content.loader import Content, load_content
from ssexplain.reply.conversation import context_queries
from ssexplain.search.embedding import Encoder, load_encoder
from ssexplain.search.index_store import check_manifest, expected_model_id, load_index, model_folder
from ssexplain.search.keyword_search import KeywordIndex
from ssexplain.search.query_expansion import QueryExpander
from ssexplain.search.retrieval import Retriever, top_similarity
from ssexplain.reply.triage import Triage, triage
from ssexplain.errors import BadQuestion
from ssexplain.reply.validation import clean_history, clean_question

# Below this best cosine similarity the sources do not answer the question.
# Calibrated on the dev set; see docs/RETRIEVAL.md for the figures behind it.
MIN_SIMILARITY = 0.41
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
    min_similarity: float = MIN_SIMILARITY
    cache: AnswerCache = field(default_factory=AnswerCache.from_settings, repr=False, compare=False)
    starters: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        # Offered with every "not covered" reply; they depend only on the content.
        self.starters = answer.starter_questions(self.content, STARTER_TOPICS)

    @classmethod
    def load(cls, settings: Settings, *, encoder: Encoder | None = None) -> "Engine":
        content = load_content(settings.content_dir)
        # Check the cheap things before the slow model load, so a stale index fails fast.
        base_model = expected_model_id(settings.model_path)
        check_manifest(settings.content_dir, settings.index_dir, expected_model_id=base_model)
        encoder = encoder or load_encoder(
            str(model_folder(settings.index_dir)), kind=settings.encoder, threads=settings.encoder_threads
        )
        index = load_index(
            content, settings.content_dir, settings.index_dir, expected_model_id=base_model, encoder_id=encoder.id
        )
        keywords = KeywordIndex(content.passages)
        retriever = Retriever(
            passages=content.passages,
            index=index,
            encoder=encoder,
            expander=QueryExpander(content.glossary, keywords.vocabulary, english=encoder.known_words()),
            keywords=keywords,
        )
        return cls(content=content, retriever=retriever, encoder=encoder)

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
        decision = triage(text)
        if decision.triage is Triage.URGENT:
            return answer.urgent(decision.rule)
        if decision.triage is Triage.NO_ANSWER:
            return answer.no_answer(self.starters)
        queries = [self.retriever.prepare(q) for q in context_queries(text, earlier)]
        hits = self.retriever.search(queries, limit=SEARCH_DEPTH)
        if decision.triage is Triage.ASK_DOCTOR:
            return answer.ask_doctor(hits, self.content, threshold=self.min_similarity)
        best = top_similarity(hits)
        if best < self.min_similarity:
            return answer.no_answer(self.starters, top_score=best)
        return answer.answered(hits, self.content, threshold=self.min_similarity, asked=[*earlier, text])
