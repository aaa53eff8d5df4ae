// Word-level diff (Myers' O(ND) algorithm) for the "restored text" view.
// Kept separate from app.js so it can be checked on its own (node: require("./diff.js")).
"use strict";

const TOKEN_PATTERN = /\s+|[\p{L}\p{M}\p{N}_'’-]+|[^\s\p{L}\p{M}\p{N}_'’-]+/gu;

function tokenizeWords(text) {
  return text.match(TOKEN_PATTERN) || [];
}

// Shortest edit script from a to b as [op, token] pairs, op in "eq" | "del" | "ins";
// null when more than maxEdits edits are needed (the caller then shows plain text).
function diffTokens(a, b, maxEdits) {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < a.length - prefix && suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  ) suffix++;
  const middle = myers(
    a.slice(prefix, a.length - suffix), b.slice(prefix, b.length - suffix), maxEdits);
  if (middle === null) return null;
  const ops = a.slice(0, prefix).map((t) => ["eq", t]);
  for (const op of middle) ops.push(op);
  for (const t of a.slice(a.length - suffix)) ops.push(["eq", t]);
  return ops;
}

function myers(a, b, maxEdits) {
  const n = a.length;
  const m = b.length;
  const limit = Math.min(n + m, maxEdits);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  const trace = []; // trace[d] holds v[-d-1 .. d+1] as it was before step d
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = (k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]))
        ? v[offset + k + 1]
        : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b);
    }
  }
  return null;
}

function backtrack(trace, a, b) {
  const ops = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const before = trace[d];
    const at = (k) => before[k + d + 1];
    const k = x - y;
    const prevK = (k === -d || (k !== d && at(k - 1) < at(k + 1))) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) { ops.push(["eq", a[x - 1]]); x--; y--; }
    if (d > 0) {
      if (x === prevX) ops.push(["ins", b[y - 1]]);
      else ops.push(["del", a[x - 1]]);
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

// Merge neighbouring tokens with the same op; a replacement spanning several words
// ("irregular woodland" -> "random forest") becomes one deletion followed by one insertion.
function groupOps(ops) {
  const runs = [];
  for (const [op, token] of ops) {
    const last = runs[runs.length - 1];
    if (last && last.op === op) last.text += token;
    else runs.push({ op, text: token });
  }
  const groups = [];
  let change = null;
  const flush = () => {
    if (change && change.del) groups.push({ op: "del", text: change.del });
    if (change && change.ins) groups.push({ op: "ins", text: change.ins });
    change = null;
  };
  runs.forEach((run, i) => {
    if (run.op !== "eq") {
      change = change || { del: "", ins: "" };
      change[run.op] += run.text;
      return;
    }
    const next = runs[i + 1];
    const joinsTwoReplacements = change && change.del && change.ins && next && next.op !== "eq" &&
      /^\s+$/.test(run.text);
    if (joinsTwoReplacements) {
      change.del += run.text;
      change.ins += run.text;
      return;
    }
    flush();
    groups.push(run);
  });
  flush();
  return groups;
}

if (typeof module !== "undefined") module.exports = { tokenizeWords, diffTokens, groupOps };
