"""Messages of made-up words cost one cheap reply, not a search (issue 13), and never hide
an emergency written beside them."""
from __future__ import annotations

import random
import string

import pytest

from ssexplain.engine import Engine


def made_up(seed: int, chars: int) -> str:
    rnd = random.Random(seed)
    words: list[str] = []
    while len(" ".join(words)) < chars:
        words.append("".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(3, 10))))
    return " ".join(words)[:chars]


@pytest.mark.parametrize("text, noise", [
    (made_up(1, 490), True),
    (made_up(2, 3000), True),
    ("asdf", False),  # short test input is the mash rule's, not noise
    ("my husbnd has SS and hes gettin wrse evry day, wat can we do abt the deafnes", False),
    ("why is my hearing going and will it come back", False),
])
def test_noise_is_a_longer_message_mostly_of_made_up_words(engine: Engine, text: str, noise: bool):
    assert engine.triager.scope.is_noise(text) is noise


class CountingEncoder:
    def __init__(self, inner) -> None:
        self.inner, self.texts = inner, 0

    def encode(self, texts: list[str]):
        self.texts += len(texts)
        return self.inner(texts)


@pytest.mark.parametrize("chars", [490, 3000])
def test_noise_is_declined_as_test_input_without_embedding_anything(engine: Engine, chars: int, monkeypatch):
    counting = CountingEncoder(engine.triager._encode)
    monkeypatch.setattr(engine.triager, "_encode", counting.encode)
    reply = engine.ask(made_up(chars, chars) + " zq")  # a text never asked before (no cached reply)
    assert reply.status == "no_answer" and not reply.citations
    assert counting.texts == 0


def test_an_emergency_beside_noise_still_gets_the_urgent_reply(engine: Engine):
    reply = engine.ask(made_up(7, 400) + ". my dad collapsed and is not breathing")
    assert reply.status == "urgent"
