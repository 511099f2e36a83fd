"""Follow-ups lean on the earlier questions; standalone questions do not."""
import pytest

from ssexplain.reply.conversation import context_queries


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        ("and what causes it?", ["what is SS?"], ["and what causes it?", "what is SS? and what causes it?"]),
        ("how common are those side effects?", ["a", "does deferiprone have side effects?"],
         ["how common are those side effects?", "a does deferiprone have side effects? how common are those side effects?"]),
        ("what tests show iron on the brain in a scan of the spine?", ["earlier"],
         ["what tests show iron on the brain in a scan of the spine?"]),
        ("and what causes it?", [], ["and what causes it?"]),
        ("what is superficial siderosis?", ["why am I going deaf?"], ["what is superficial siderosis?"]),
        ("what is SS and how is it treated?", ["why am I going deaf?"], ["what is SS and how is it treated?"]),
        ("what about hospital studies?", ["how common is SS?"], ["what about hospital studies?",
                                                              "how common is SS? what about hospital studies?"]),
    ],
)
def test_context_queries(question, history, expected):
    assert context_queries(question, history) == expected
