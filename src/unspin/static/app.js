// The unspin page: send text or a file to the API and show what came back.
// User text only ever reaches the DOM as textContent or text nodes, never parsed as HTML.
/* global tokenizeWords, diffTokens, groupOps */
"use strict";

const MAX_DIFF_EDITS = 2000;

const $ = (id) => document.getElementById(id);
const ui = {
  input: $("input-text"),
  dropZone: $("drop-zone"),
  fileInput: $("file-input"),
  analyzeButton: $("analyze-button"),
  status: $("status"),
  error: $("error"),
  limits: $("limits"),
  results: $("results"),
  notes: $("notes"),
  meter: $("score-meter"),
  scoreValue: $("score-value"),
  verdict: $("verdict"),
  summary: $("summary"),
  highlighted: $("highlighted"),
  restoredDiff: $("restored-diff"),
  downloadButton: $("download-button"),
  copyButton: $("copy-button"),
  card: $("hover-card"),
  cardOriginal: $("card-original"),
  cardConfidence: $("card-confidence"),
  cardSource: $("card-source"),
  cardAlternativesRow: $("card-alternatives-row"),
  cardAlternatives: $("card-alternatives"),
};

let currentReport = null;
let currentName = "unspin";
let maxBytes = null; // from /v1/limits; null until known (the server checks anyway)

// --- limits: say them up front, refuse oversized text before sending it ---

function formatBytes(bytes) {
  if (bytes >= 1000000) return `${(bytes / 1000000).toFixed(1).replace(/\.0$/, "")} MB`;
  if (bytes >= 1000) return `${Math.round(bytes / 1000)} kB`;
  return `${bytes} bytes`;
}

async function loadLimits() {
  try {
    const response = await fetch("/v1/limits");
    if (!response.ok) return;
    const limits = await response.json();
    maxBytes = Number(limits.max_bytes) || null;
    if (maxBytes) {
      const words = Math.round(maxBytes / 6 / 1000) * 1000;
      ui.limits.textContent =
        `English text, up to ${formatBytes(maxBytes)} (about ${words.toLocaleString("en")} words) ` +
        `per request; analyses stop after ${Number(limits.timeout_s)} s.`;
    }
  } catch (_) {
    // Keep the default wording; the server still enforces its limits.
  }
}

function tooLarge(bytes) {
  if (maxBytes && bytes > maxBytes) {
    return `This is ${formatBytes(bytes)}; the server accepts up to ${formatBytes(maxBytes)}. ` +
      "Split the text, or use the unspin command line for long documents.";
  }
  return null;
}

// --- talking to the API ---

async function postForReport(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    throw new Error(`Could not reach the server (${err.message}).`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    // A non-JSON answer is reported below by status code.
  }
  if (!response.ok) {
    const detail = body && body.detail ? body.detail : response.statusText;
    throw new Error(`${detail} (HTTP ${response.status})`);
  }
  return body;
}

function analyzeText(text) {
  return postForReport("/v1/analyze", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text }),
  });
}

function analyzeFile(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  return postForReport("/v1/analyze/file", { method: "POST", body: form });
}

async function run(request, name) {
  setBusy(true);
  showError(null);
  try {
    const report = await request();
    currentName = name;
    showReport(report);
  } catch (err) {
    // The old results belong to another text: never leave them under a new error.
    clearResults();
    showError(err.message);
  } finally {
    setBusy(false);
  }
}

function analyzeTypedText() {
  const text = ui.input.value;
  if (!text.trim()) {
    clearResults();
    showError("Paste some text first.");
    return;
  }
  const problem = tooLarge(new TextEncoder().encode(JSON.stringify({ text })).length);
  if (problem) {
    clearResults();
    showError(problem);
    return;
  }
  run(() => analyzeText(text), "unspin");
}

function analyzeChosenFile(file) {
  if (!file) return;
  const problem = tooLarge(file.size);
  if (problem) {
    clearResults();
    showError(problem);
    return;
  }
  run(async () => {
    const report = await analyzeFile(file);
    ui.input.value = report.text;
    return report;
  }, file.name.replace(/\.[^.]*$/, "") || "unspin");
}

// --- rendering ---

function setBusy(busy) {
  ui.analyzeButton.disabled = busy;
  ui.status.textContent = busy ? "Analyzing…" : "";
  // Results on screen are for the previous text until the new ones arrive.
  ui.results.classList.toggle("stale", busy);
  ui.results.setAttribute("aria-busy", busy ? "true" : "false");
}

function clearResults() {
  currentReport = null;
  hideCard();
  ui.results.hidden = true;
  ui.highlighted.replaceChildren();
  ui.restoredDiff.replaceChildren();
  ui.summary.textContent = "";
  ui.notes.replaceChildren();
  ui.notes.hidden = true;
}

function showError(message) {
  ui.error.hidden = !message;
  ui.error.textContent = message || "";
}

function showReport(report) {
  currentReport = report;
  const score = Number(report.spin_score) || 0;
  // No verdict (too short to judge): a full meter beside "no verdict" would mislead.
  const judged = report.judged !== false;
  ui.meter.value = judged ? score : 0;
  ui.scoreValue.textContent = judged ? score.toFixed(2) : "–";
  if (report.language) {
    // unspin knows English only: "not spun" would be a false reassurance.
    ui.verdict.textContent = `not English (${report.language}): unspin handles English only`;
    ui.verdict.className = "verdict unknown";
  } else if (!judged) {
    ui.verdict.textContent = "no verdict (see the note below)";
    ui.verdict.className = "verdict unknown";
  } else {
    ui.verdict.textContent = report.is_spun ? "likely spun" : "no strong sign of spinning";
    ui.verdict.className = report.is_spun ? "verdict spun" : "verdict clean";
  }
  const n = report.spans.length;
  ui.summary.textContent =
    `${n} suspicious phrase${n === 1 ? "" : "s"} in ${report.word_count} words` +
    (report.fingerprint_hits ? ` (${report.fingerprint_hits} from the known-phrase list)` : "") +
    ".";
  const notes = report.notes || [];
  ui.notes.replaceChildren(
    ...notes.map((note) => {
      const item = document.createElement("li");
      item.textContent = note;
      return item;
    }),
  );
  ui.notes.hidden = notes.length === 0;
  renderHighlights(report.text, report.spans);
  renderRestoredDiff(report.text, report.restored);
  ui.results.hidden = false;
  ui.results.scrollIntoView({ block: "start" });
}

function confidenceClass(confidence) {
  if (confidence >= 0.8) return "high";
  if (confidence >= 0.5) return "medium";
  return "low";
}

// Span offsets count code points (Python str indices); JS strings count UTF-16 units,
// so slice an array of code points rather than the string.
function renderHighlights(text, spans) {
  const chars = Array.from(text);
  const fragment = document.createDocumentFragment();
  let position = 0;
  spans.forEach((span, index) => {
    if (span.start < position || span.end <= span.start || span.end > chars.length) return;
    fragment.append(chars.slice(position, span.start).join(""));
    const mark = document.createElement("mark");
    mark.className = `spun ${confidenceClass(span.confidence)}`;
    mark.tabIndex = 0;
    mark.textContent = chars.slice(span.start, span.end).join("");
    mark.dataset.index = String(index);
    mark.dataset.original = span.original;
    mark.dataset.confidence = String(span.confidence);
    mark.dataset.source = span.source;
    mark.setAttribute("aria-describedby", "hover-card");
    fragment.append(mark);
    position = span.end;
  });
  fragment.append(chars.slice(position).join(""));
  ui.highlighted.replaceChildren(fragment);
}

function renderRestoredDiff(text, restored) {
  const ops = diffTokens(tokenizeWords(text), tokenizeWords(restored), MAX_DIFF_EDITS);
  if (ops === null) {
    ui.restoredDiff.replaceChildren(restored);
    return;
  }
  const fragment = document.createDocumentFragment();
  for (const group of groupOps(ops)) {
    if (group.op === "eq") {
      fragment.append(group.text);
    } else {
      const element = document.createElement(group.op);
      element.textContent = group.text;
      fragment.append(element);
    }
  }
  ui.restoredDiff.replaceChildren(fragment);
}

// --- hover card ---

function showCard(mark) {
  const span = currentReport && currentReport.spans[Number(mark.dataset.index)];
  if (!span) return;
  ui.cardOriginal.textContent = span.original;
  ui.cardConfidence.textContent = `${Math.round(span.confidence * 100)}%`;
  ui.cardSource.textContent = span.source;
  const alternatives = span.alternatives || [];
  ui.cardAlternativesRow.hidden = alternatives.length === 0;
  ui.cardAlternatives.textContent = alternatives.join(", ");
  ui.card.hidden = false;
  const box = mark.getBoundingClientRect();
  const width = ui.card.offsetWidth;
  const left = Math.max(8, Math.min(box.left, document.documentElement.clientWidth - width - 8));
  ui.card.style.left = `${left + window.scrollX}px`;
  ui.card.style.top = `${box.bottom + window.scrollY + 6}px`;
}

function hideCard() {
  ui.card.hidden = true;
}

function markFrom(event) {
  return event.target instanceof Element ? event.target.closest("mark.spun") : null;
}

ui.highlighted.addEventListener("mouseover", (event) => {
  const mark = markFrom(event);
  if (mark) showCard(mark);
});
ui.highlighted.addEventListener("mouseout", (event) => {
  if (markFrom(event)) hideCard();
});
ui.highlighted.addEventListener("focusin", (event) => {
  const mark = markFrom(event);
  if (mark) showCard(mark);
});
ui.highlighted.addEventListener("focusout", hideCard);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") hideCard();
});

// --- input: button, keyboard, file chooser, drag and drop ---

ui.analyzeButton.addEventListener("click", analyzeTypedText);
ui.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) analyzeTypedText();
});
ui.dropZone.addEventListener("click", () => ui.fileInput.click());
ui.dropZone.addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    ui.fileInput.click();
  }
});
ui.fileInput.addEventListener("change", () => {
  analyzeChosenFile(ui.fileInput.files[0]);
  ui.fileInput.value = "";
});
for (const type of ["dragenter", "dragover"]) {
  ui.dropZone.addEventListener(type, (event) => {
    event.preventDefault();
    ui.dropZone.classList.add("dragging");
  });
}
for (const type of ["dragleave", "drop"]) {
  ui.dropZone.addEventListener(type, () => ui.dropZone.classList.remove("dragging"));
}
ui.dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  analyzeChosenFile(event.dataTransfer.files[0]);
});

// --- output: download and copy ---

ui.downloadButton.addEventListener("click", () => {
  if (!currentReport) return;
  const blob = new Blob([JSON.stringify(currentReport, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = `${currentName}-report.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
});

ui.copyButton.addEventListener("click", async () => {
  if (!currentReport) return;
  try {
    await navigator.clipboard.writeText(currentReport.restored);
    ui.status.textContent = "Restored text copied.";
  } catch (_) {
    ui.status.textContent = "Copying is not allowed here; select the text instead.";
  }
});

loadLimits();
