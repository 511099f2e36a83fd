/* One answer card from POST /api/ask's JSON, for the chat page (chat.js) and the forum widget
   (embed-frame.js). Load it with a plain <script src> before either of them; it only defines
   window.AnswerCard and touches nothing on the page.

   buildCard mirrors templates/_answer_card.html, followupSection the `followups` macro there
   and questionButtons templates/_ask_form.html; markTerms mirrors
   ssexplain/content/glossary_terms.py (TermMarker.find): change them together. Text from the reply
   is only ever set as text, never parsed as HTML. */
(function () {
  "use strict";

  var MAX_HISTORY = 10; // ssexplain/reply/conversation.py MAX_HISTORY
  var CONTEXT_TURNS = 2; // ssexplain/reply/conversation.py CONTEXT_TURNS
  var SHORT = 7; // ssexplain/reply/conversation.py SHORT
  var POINTS_BACK = new RegExp(
    "^(and|but|so|also|what about|how about|then|or)\\b|" +
      "\\b(it|its|it's|that|this|those|these|they|them|their|he|him|his|she|her|there)\\b",
    "i"
  );

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // ---------------------------------------------------------------- glossary terms

  function findTerms(text, forms) {
    var marks = [];
    var marked = {};
    forms.forEach(function (entry) {
      if (marked[entry.term]) {
        return;
      }
      entry.pattern.lastIndex = 0;
      var match;
      while ((match = entry.pattern.exec(text)) !== null) {
        var start = match.index;
        var end = start + match[0].length;
        var overlaps = marks.some(function (m) {
          return start < m.end && m.start < end;
        });
        if (!overlaps) {
          marks.push({ start: start, end: end, entry: entry });
          marked[entry.term] = true;
          break;
        }
      }
    });
    return marks.sort(function (a, b) {
      return a.start - b.start;
    });
  }

  function termNode(shown, entry, glossaryPage) {
    return el("details", { class: "term" }, [
      el("summary", { class: "term-word" }, [shown]),
      el("span", { class: "term-def" }, [
        el("strong", {}, [entry.term + ":"]),
        " " + entry.definition + " ",
        el("a", { href: glossaryPage + "#" + entry.anchor }, ["More in the glossary"]),
      ]),
    ]);
  }

  function markTerms(text, data) {
    // `data` is /glossary.json with a compiled `pattern` on each form; without it, plain text.
    var box = el("div", { class: "answer" });
    if (!data) {
      box.textContent = text;
      return box;
    }
    var position = 0;
    findTerms(text, data.forms).forEach(function (mark) {
      box.appendChild(document.createTextNode(text.slice(position, mark.start)));
      box.appendChild(termNode(text.slice(mark.start, mark.end), mark.entry, data.glossaryUrl));
      position = mark.end;
    });
    box.appendChild(document.createTextNode(text.slice(position)));
    return box;
  }

  // ---------------------------------------------------------------- the card

  function leansOnHistory(question) {
    return POINTS_BACK.test(question) || question.split(/\s+/).filter(Boolean).length <= SHORT;
  }

  function permalink(base, question, earlier) {
    // As pages.permalink: the question, and the earlier questions only when it leans on them.
    var params = new URLSearchParams();
    params.append("q", question);
    if (earlier.length && leansOnHistory(question)) {
      earlier.slice(-CONTEXT_TURNS).forEach(function (h) {
        params.append("h", h);
      });
    }
    return base + "?" + params.toString();
  }

  function citationItem(c, sourcesUrl) {
    return el("li", {}, [
      el("figure", { class: "quote" }, [
        el("blockquote", {}, [el("p", {}, ["\u201c" + c.quote + "\u201d"])]),
        el("figcaption", {}, [
          "From ",
          el("a", { href: sourcesUrl + "#" + c.source.id }, [el("cite", {}, [c.source.title])]),
          ", section \u201c" + c.section + "\u201d",
        ]),
      ]),
    ]);
  }

  function questionButtons(questions, history, action, embed) {
    var attrs = { class: "followup-form", method: embed ? "get" : "post", action: action };
    if (embed) {
      attrs.target = "_self";
      attrs["data-embed-ask"] = "";
    }
    var fields = history.map(function (h) {
      return el("input", { type: "hidden", name: "h", value: h });
    });
    var chips = questions.map(function (q) {
      return el("li", {}, [el("button", { class: "chip", type: "submit", name: "q", value: q }, [q])]);
    });
    return el("form", attrs, fields.concat([el("ul", { class: "chips" }, chips)]));
  }

  /* The questions to ask next: the reply's own follow-ups, else options.fallback (never for an
     urgent reply); null when there are none. options: action, headingId, level, fallback, and
     embed for the widget's form that stays in its frame. */
  function followupSection(reply, history, options) {
    var offers = reply.followups && reply.followups.length ? reply.followups : [];
    if (!offers.length && reply.status !== "urgent") {
      offers = options.fallback || [];
    }
    if (!offers.length) {
      return null;
    }
    var title = reply.status === "answered" ? "You could also ask" : "Questions this explainer can answer";
    var className = options.embed ? "card-followups embed-followups" : "card-followups";
    return el("section", { class: className, "aria-labelledby": options.headingId }, [
      el("h" + options.level, { id: options.headingId }, [title]),
      questionButtons(offers, history, options.action, options.embed),
    ]);
  }

  /* options: id and level (of the question heading), terms (glossary data for markTerms, or
     null), sourcesUrl, permalinkBase, and followups ({ action, fallback }) to show follow-up
     buttons inside the card, or nothing to leave them out. */
  function buildCard(reply, question, earlier, options) {
    var id = options.id;
    var level = options.level;
    var status = reply.status;
    var card = el("article", { class: "card card-" + status.replace("_", "-"), id: id, "aria-labelledby": id + "-q" });
    card.appendChild(
      el("h" + level, { class: "card-question", id: id + "-q", tabindex: "-1" }, [
        el("span", { class: "you-asked" }, ["You asked:"]),
        " " + question,
      ])
    );
    if (status === "urgent") {
      card.appendChild(
        el("div", { class: "urgent-box", role: "alert" }, [
          el("p", { class: "card-label" }, ["Get help now"]),
          el("p", { class: "urgent-message" }, [reply.urgent ? reply.urgent.message : reply.answer]),
        ])
      );
    } else {
      if (status === "ask_doctor") {
        card.appendChild(el("p", { class: "card-label" }, ["A question for your own doctor"]));
      } else if (status === "no_answer") {
        card.appendChild(el("p", { class: "card-label" }, ["Not in our sources"]));
      }
      card.appendChild(markTerms(reply.answer, options.terms));
    }
    if (reply.citations && reply.citations.length) {
      var sourcesUrl = options.sourcesUrl || "/sources";
      card.appendChild(
        el("section", { class: "card-sources", "aria-labelledby": id + "-src" }, [
          el("h" + (level + 1), { id: id + "-src" }, ["Where this comes from"]),
          el("ol", { class: "quotes" }, reply.citations.map(function (c) {
            return citationItem(c, sourcesUrl);
          })),
        ])
      );
    }
    if (options.followups) {
      var thread = earlier.concat([question]).slice(-MAX_HISTORY);
      var followups = followupSection(reply, thread, {
        action: options.followups.action,
        fallback: options.followups.fallback,
        headingId: id + "-next",
        level: level + 1,
      });
      if (followups) {
        card.appendChild(followups);
      }
    }
    card.appendChild(el("p", { class: "card-disclaimer" }, [reply.disclaimer]));
    card.appendChild(
      el("p", { class: "card-link" }, [
        el("a", { href: permalink(options.permalinkBase || "/ask", question, earlier) }, [
          "Link to this answer",
          el("span", { class: "visually-hidden" }, [": " + question]),
        ]),
      ])
    );
    return card;
  }

  window.AnswerCard = {
    MAX_HISTORY: MAX_HISTORY,
    el: el,
    buildCard: buildCard,
    followupSection: followupSection,
  };
})();
