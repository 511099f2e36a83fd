"""Questions the chat tests ask, shared by the test-client tests (test_pages.py) and the
browser tests (test_browser_chat.py) so both check the same conversations. The `follow_up`
fixture in conftest.py picks from FOLLOW_UPS."""
from __future__ import annotations

WHAT_IS = "What is superficial siderosis?"
CAUSES = "What causes it?"
URGENT = "I have the worst headache of my life right now"
ASK_DOCTOR = "Should I stop taking my deferiprone?"
OFF_TOPIC = "Tell me a joke"
# A first question, then a follow-up that means nothing on its own ("does it work?").
FOLLOW_UPS = [
    (WHAT_IS, CAUSES),
    ("What is a blood patch?", "does it work?"),
    ("What is a cochlear implant?", "does it help?"),
    ("What is an MRI scan?", "what does it show?"),
]
