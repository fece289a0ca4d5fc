"use strict";
// The CareerAI web app: plain JavaScript over the JSON API, one page whose views follow the URL's #.
const state = { csrf: sessionStorage.getItem("csrf") || "", user: null, costs: [], ledgerToken: "", events: null };
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  const token = response.headers.get("X-CSRF-Token");
  if (token) { state.csrf = token; sessionStorage.setItem("csrf", token); }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) { const error = new Error(message(data)); error.status = response.status; error.data = data; throw error; }
  return data;
}

function message(data) {
  const info = (data.details || [])[0] || {};
  const meta = info.metadata || {};
  if (info.reason === "INSUFFICIENT_CREDITS") {
    return `Not enough ${meta.currency || ""} credits: this needs ${meta.required || "?"}, you have ${meta.available || "0"}.`;
  }
  return data.message || "Something went wrong.";
}

function show(view) {
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== "view-" + view;
}

function text(tag, content) { const node = document.createElement(tag); node.textContent = content; return node; }

function costOf(feature) {
  const plan = state.user && state.user.isPro ? "pro" : "free";
  const cost = state.costs.find((c) => c.feature === feature && c.plan === plan) || state.costs.find((c) => c.feature === feature);
  return cost ? `${cost.amount} ${cost.currency}` : "unknown";
}

async function route() {
  if (state.events) { state.events.close(); state.events = null; }
  const hash = location.hash.replace(/^#\/?/, "");
  if (!state.user) {
    try { state.user = await api("GET", "/v1/me"); } catch (_) { state.user = null; }
  }
  $("nav").hidden = !state.user;
  $("admin-link").hidden = !(state.user && /admin/.test(state.user.role));
  if (!state.user) { show("signin"); return; }
  const [view, id] = hash.split("/");
  switch (view) {
    case "job-pack": show("job-pack"); $("jp-cost").textContent = costOf("job_pack"); break;
    case "skill-mapper": show("skill-mapper"); $("sm-cost").textContent = costOf("skill_mapper"); break;
    case "internships": show("internships"); break;
    case "referrals": show("referrals"); break;
    case "runs": show("runs"); await loadRuns(); break;
    case "run": show("run"); watchRun(id); break;
    case "admin": show("admin"); break;
    default: show("wallet"); await loadWallet(true);
  }
}

async function loadWallet(fresh) {
  const wallet = await api("GET", "/v1/wallet");
  $("silver").textContent = wallet.silver; $("gold").textContent = wallet.gold;
  if (fresh) { $("ledger").replaceChildren(); state.ledgerToken = ""; }
  const page = await api("GET", "/v1/wallet/transactions?pageSize=20" + (state.ledgerToken ? "&pageToken=" + encodeURIComponent(state.ledgerToken) : ""));
  for (const t of page.transactions) {
    const row = document.createElement("tr");
    row.append(text("td", new Date(t.timestamp * 1000).toLocaleString()), text("td", `${t.type} ${t.feature}`), text("td", `${t.amount} ${t.currency}`));
    $("ledger").append(row);
  }
  state.ledgerToken = page.nextPageToken;
  $("ledger-more").hidden = !page.nextPageToken;
}

async function loadRuns() {
  const page = await api("GET", "/v1/runs?pageSize=50");
  $("runs-list").replaceChildren(...page.runs.map((run) => {
    const item = document.createElement("li");
    const link = text("a", `${run.kind} · ${run.status} · ${new Date(run.createdAtUnix * 1000).toLocaleString()}`);
    link.href = "#/run/" + run.id; item.append(link); return item;
  }));
}

function watchRun(id) {
  $("run-result").replaceChildren(); $("run-pdf").hidden = true; $("run-error").textContent = "";
  const source = new EventSource(`/v1/runs/${encodeURIComponent(id)}/events`);
  state.events = source;
  source.addEventListener("run", (event) => {
    const run = JSON.parse(event.data);
    $("run-status").textContent = run.status;
    if (run.status === "succeeded") { source.close(); showResult(run); }
    if (run.status === "failed") { source.close(); $("run-error").textContent = `The run failed (${run.errorReason}); its credits were refunded.`; }
  });
  source.addEventListener("error", () => { if (source.readyState === EventSource.CLOSED) return; });
}

// A run's result, laid out by kind; the shapes are the tools' JSON (Sources/Domain/Tools). Unknown
// shapes fall back to the JSON itself, so a newer tool still shows something.
function showResult(run) {
  let result;
  try { result = JSON.parse(run.resultJson || "{}"); } catch (_) { result = {}; }
  const box = $("run-result");
  const list = (items, render) => { const ul = document.createElement("ul"); for (const item of items || []) ul.append(render(item)); return ul; };
  const item = (...children) => { const li = document.createElement("li"); li.append(...children); return li; };
  const small = (content) => { const node = text("p", content); node.className = "text-sm text-slate-600"; return node; };
  const section = (title, ...children) => box.append(text("h2", title), ...children);
  if (run.kind === "job_pack") {
    if (result.summary) box.append(text("p", result.summary));
    const keywords = result.keywords || {};
    if ((keywords.required || []).length) section("Keywords", small("Required: " + keywords.required.join(", ")),
      ...((keywords.preferred || []).length ? [small("Preferred: " + keywords.preferred.join(", "))] : []));
    if ((result.resume_bullets || []).length) section("Resume bullets", list(result.resume_bullets, (b) => item(text("span", b.rewritten), small("From: " + b.source_text))));
    const letter = result.cover_letter;
    if (letter) section("Cover letter", text("p", letter.greeting), ...(letter.paragraphs || []).map((p) => text("p", p)), text("p", letter.closing));
    if ((result.interview_questions || []).length) section("Interview questions", list(result.interview_questions, (q) => item(text("strong", q.question), small("Why they ask: " + q.why_asked), small("How to answer: " + q.answer_hint))));
    if ((result.gaps || []).length) section("Gaps to address", list(result.gaps, (g) => item(text("span", g))));
    if ((result.warnings || []).length) section("Warnings", list(result.warnings, (w) => item(text("span", w))));
  } else if (run.kind === "skill_mapper") {
    if ((result.skills || []).length) section("Your skills", list(result.skills, (k) => item(text("strong", `${k.name} (${k.level})`), small(`${k.category} · ${k.evidence}`))));
    if ((result.target_roles || []).length) section("Roles they point to", list(result.target_roles, (r) => item(text("span", r))));
    if ((result.gaps || []).length) section("Gaps", list(result.gaps, (g) => item(text("strong", `${g.skill} (${g.priority})`), small(g.why))));
    if ((result.learning_plan || []).length) section("Learning plan", list(result.learning_plan, (w) => item(text("strong", `Week ${w.week}: ${w.focus}`), small((w.activities || []).join(" · ")), small((w.resources || []).join(" · ")))));
  }
  if (!box.childElementCount) box.append(text("pre", JSON.stringify(result, null, 2)));
  if (run.kind === "job_pack") { const link = $("run-pdf"); link.href = `/v1/runs/${encodeURIComponent(run.id)}/pdf`; link.hidden = false; }
}

function formJSON(form) { return Object.fromEntries(new FormData(form).entries()); }

function onSubmit(formID, errorID, handler) {
  $(formID).addEventListener("submit", async (event) => {
    event.preventDefault(); $(errorID).textContent = "";
    const button = event.target.querySelector("button[type=submit]"); button.disabled = true;
    try { await handler(event.target); } catch (error) { $(errorID).textContent = error.message; } finally { button.disabled = false; }
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  api("GET", "/v1/university").then((u) => { $("university").textContent = `CareerAI · ${u.name}`; $("google").hidden = !u.googleSignIn; }).catch(() => {});
  api("GET", "/v1/feature-costs").then((c) => { state.costs = c.costs; }).catch(() => {});
  onSubmit("otp-form", "signin-error", async () => {
    await api("POST", "/v1/auth/otp", { email: $("email").value });
    $("verify-form").hidden = false; $("code").focus();
  });
  onSubmit("verify-form", "signin-error", async () => {
    const answer = await api("POST", "/v1/auth/otp/verify", { email: $("email").value, code: $("code").value });
    state.csrf = answer.csrfToken; sessionStorage.setItem("csrf", answer.csrfToken); state.user = answer.user;
    location.hash = "#/wallet"; await route();
  });
  onSubmit("job-pack-form", "job-pack-error", async (form) => {
    const run = await api("POST", "/v1/runs/job-pack", formJSON(form)); location.hash = "#/run/" + run.id;
  });
  onSubmit("skill-form", "skill-error", async (form) => {
    const run = await api("POST", "/v1/runs/skill-mapper", formJSON(form)); location.hash = "#/run/" + run.id;
  });
  const list = (value, separator) => value.split(separator).map((s) => s.trim()).filter(Boolean);
  onSubmit("intern-form", "intern-error", async (form) => {
    const body = formJSON(form);
    const answer = await api("POST", "/v1/internships:find", { interests: list(body.interests, ","), skills: list(body.skills, ","), location: body.location });
    $("intern-results").replaceChildren(...answer.suggestions.map((s) => { const d = document.createElement("div"); d.append(text("h2", s.title), text("p", s.whyFit), text("p", s.searchKeywords.join(", "))); return d; }));
  });
  onSubmit("referral-form", "referral-error", async (form) => {
    const body = formJSON(form); body.highlights = list(body.highlights, "\n");
    const answer = await api("POST", "/v1/referrals:draft", body);
    $("referral-results").replaceChildren(...answer.messages.map((m) => { const d = document.createElement("div"); d.append(text("h2", `${m.channel}: ${m.subject}`), text("pre", m.body)); return d; }));
  });
  onSubmit("topup-form", "topup-error", async (form) => {
    const body = formJSON(form); body.amount = Number(body.amount);
    const student = body.student.trim(); delete body.student;
    if (student.includes("@")) body.email = student; else body.userId = student;
    const answer = await api("POST", "/v1/admin/top-ups", body);
    $("topup-done").textContent = `Done: the student now has ${answer.wallet.silver} silver, ${answer.wallet.gold} gold.`;
  });
  $("jp-file").addEventListener("change", async (event) => {
    const file = event.target.files[0]; if (file && file.size <= 200000) $("jp-resume").value = await file.text();
  });
  $("ledger-more").addEventListener("click", () => loadWallet(false));
  $("logout").addEventListener("click", async () => {
    try { await api("POST", "/v1/auth/logout"); } finally { state.user = null; sessionStorage.removeItem("csrf"); location.hash = ""; await route(); }
  });
  window.addEventListener("hashchange", route);
  await route();
});
