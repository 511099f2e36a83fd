/* One answer card from POST /api/ask's JSON, for the chat page (chat.js) and the forum widget
   (embed-frame.js). Load it with a plain <script src> before either of them; it only defines
   window.AnswerCard and touches nothing on the page.

   buildCard mirrors templates/_answer_card.html, followupSection the `followups` macro there
   and questionButtons templates/_ask_form.html; markTerms mirrors
   ssexplain/content/glossary_terms.py (TermMarker.find): change them together. Text from the reply
   is only ever set as text, never parsed as HTML. */
(function () {
  "use strict";

  // How many earlier questions travel with a question: the server's limit, written on the
  // question form (data-max-history) by the page, so it is never a second copy of the rule.
  var form = document.getElementById("ask-form");
  var MAX_HISTORY = Number((form && form.getAttribute("data-max-history")) || 10);

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

  function understood(text) {
    return el("p", { class: "card-understood" }, [el("span", { class: "visually-hidden" }, ["Understood as: "]), text]);
  }

  function quotes(citations, headingId, level, sourcesUrl) {
    // As the `quotes` macro of _answer_card.html; null when there is nothing to show.
    if (!citations || !citations.length) {
      return null;
    }
    return el("section", { class: "card-sources", "aria-labelledby": headingId }, [
      el("h" + Math.min(level, 6), { id: headingId }, ["Where this comes from"]),
      el("ol", { class: "quotes" }, citations.map(function (c) {
        return citationItem(c, sourcesUrl);
      })),
    ]);
  }

  function relatedSection(related, headingId, level, sourcesUrl) {
    // As the related-reading section of _answer_card.html: passages near a question the
    // sources do not answer, never shown as its answer. null when there are none.
    if (!related || !related.length) {
      return null;
    }
    return el("section", { class: "card-related", "aria-labelledby": headingId }, [
      el("h" + Math.min(level, 6), { id: headingId }, ["Related reading (not an answer to your question)"]),
      el("ul", { class: "related" }, related.map(function (c) {
        return el("li", {}, [
          c.plain + " ",
          el("span", { class: "related-source" }, [
            "(From ",
            el("a", { href: sourcesUrl + "#" + c.source.id }, [el("cite", {}, [c.source.title])]),
            ", section \u201c" + c.section + "\u201d)",
          ]),
        ]);
      })),
    ]);
  }

  function partSection(part, partId, level, options) {
    // One question of a long message with its own answer and quotes, as in _answer_card.html.
    var section = el("section", {
      class: "card-part card-part-" + part.status.replace("_", "-"), "aria-labelledby": partId + "-q",
    }, [
      el("h" + (level + 1), { class: "part-question", id: partId + "-q" }, [
        el("span", { class: "you-asked" }, ["Your question:"]),
        " " + part.question,
      ]),
    ]);
    if (part.understood_as) {
      section.appendChild(understood(part.understood_as));
    }
    if (part.status === "ask_doctor") {
      section.appendChild(el("p", { class: "card-label" }, ["A question for your own doctor"]));
    } else if (part.status === "no_answer") {
      section.appendChild(el("p", { class: "card-label" }, ["Not in our sources"]));
    }
    section.appendChild(markTerms(part.answer, options.terms));
    var sources = quotes(part.citations, partId + "-src", level + 2, options.sourcesUrl || "/sources");
    if (sources) {
      section.appendChild(sources);
    }
    return section;
  }

  function questionButtons(questions, history, action, embed) {
    var attrs = { class: "followup-form", method: "post", action: action };
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
     null), sourcesUrl, and followups ({ action, fallback }) to show follow-up buttons inside
     the card, or nothing to leave them out. Everything the conversation rules decide (the
     permalink, what a follow-up was taken to mean, the parts of a long message) comes in
     the reply from the server; this script only draws it. */
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
    if (reply.understood_as) {
      card.appendChild(understood(reply.understood_as));
    }
    if (status === "urgent") {
      card.appendChild(
        el("div", { class: "urgent-box", role: "alert" }, [
          el("p", { class: "card-label" }, [
            reply.urgent && reply.urgent.tier === "urgent-today" ? "See a doctor today" : "Get help now",
          ]),
          el("p", { class: "urgent-message" }, [reply.urgent ? reply.urgent.message : reply.answer]),
        ])
      );
    } else {
      if (status === "ask_doctor") {
        card.appendChild(el("p", { class: "card-label" }, ["A question for your own doctor"]));
      } else if (status === "no_answer") {
        card.appendChild(el("p", { class: "card-label" }, ["Not in our sources"]));
      }
      if (reply.parts && reply.parts.length) {
        reply.parts.forEach(function (part, n) {
          card.appendChild(partSection(part, id + "-part-" + (n + 1), level, options));
        });
        if (reply.parts_note) {
          card.appendChild(el("p", { class: "card-note" }, [reply.parts_note]));
        }
      } else {
        card.appendChild(markTerms(reply.answer, options.terms));
      }
    }
    var sourcesUrl = options.sourcesUrl || "/sources";
    if (!reply.parts) {
      var sources = quotes(reply.citations, id + "-src", level + 1, sourcesUrl);
      if (sources) {
        card.appendChild(sources);
      }
    }
    var related = relatedSection(reply.related, id + "-rel", level + 1, sourcesUrl);
    if (related) {
      card.appendChild(related);
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
    if (reply.permalink) {
      // The server decides which earlier questions the link keeps (issue 13): used as given.
      card.appendChild(
        el("p", { class: "card-link" }, [
          el("a", { href: reply.permalink }, [
            "Link to this answer",
            el("span", { class: "visually-hidden" }, [": " + question]),
          ]),
        ])
      );
    }
    return card;
  }

  // The question box is a textarea (templates/_ask_form.html). Where the question is sent
  // without a page load, Enter sends it, as in any chat, and Shift+Enter starts a new line
  // (a pasted story keeps its line breaks either way). Not while an input method is
  // composing a word. Without JavaScript, Enter starts a new line and the button sends.
  function sendOnEnter(box) {
    if (!box || box.tagName !== "TEXTAREA" || !box.form) {
      return;
    }
    box.setAttribute("enterkeyhint", "send");
    box.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey || event.isComposing) {
        return;
      }
      event.preventDefault();
      if (box.form.requestSubmit) {
        box.form.requestSubmit();
      } else {
        box.form.dispatchEvent(new Event("submit", { cancelable: true, bubbles: true }));
      }
    });
  }

  window.AnswerCard = {
    MAX_HISTORY: MAX_HISTORY,
    el: el,
    buildCard: buildCard,
    followupSection: followupSection,
    sendOnEnter: sendOnEnter,
  };
})();
