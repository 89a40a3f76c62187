"use strict";
// The playground page: draws what the fake Discord holds and sends the member's actions over one websocket.
// Ids are snowflakes: they stay strings here (they do not fit in a JavaScript number).

const $ = (id) => document.getElementById(id);
const S = { state: null, messages: new Map(), me: null, channel: null, dm: false, command: null, req: 0,
  pending: new Map(), seenDm: new Map(), locales: new Map() };
let ws = null;

function connect() {
  ws = new WebSocket(`ws://${location.host}/ws`);
  ws.onmessage = (ev) => receive(JSON.parse(ev.data));
  ws.onclose = () => { $("title-note").textContent = "disconnected: is the playground still running?"; };
}

function send(op, fields) {
  const req = ++S.req;
  ws.send(JSON.stringify({ op, req, user: S.me, channel: S.channel, dm: S.dm, locale: localeOf(S.me), ...fields }));
  return new Promise((resolve) => S.pending.set(req, resolve));
}

function receive(ev) {
  if (ev.req && S.pending.has(ev.req)) { S.pending.get(ev.req)(ev); S.pending.delete(ev.req); }
  if (ev.t === "state") return loadState(ev);
  if (ev.t === "message") { S.messages.set(ev.message.id, ev.message); return render(); }
  if (ev.t === "delete") { S.messages.delete(ev.id); return render(); }
  if (ev.t === "clock") { showClock(ev.clock); $("clock-note").textContent = ev.text; return; }
  if (ev.t === "error") toast(ev.text);
}

function loadState(st) {
  S.state = st;
  S.messages = new Map(st.messages.map((m) => [m.id, m]));
  if (!S.me) S.me = (st.members.find((m) => !m.coach) || st.members[0] || {}).id;
  if (!S.channel) S.channel = st.club_channel;
  $("guild-name").textContent = st.guild.name;
  $("server-icon").title = st.guild.name;
  $("server-icon").textContent = st.guild.name.split(/\s+/).map((w) => w[0]).join("").slice(0, 2);
  $("dm-name").textContent = st.bot.name;
  const picker = $("member");
  picker.innerHTML = "";
  for (const m of st.members) picker.append(new Option(m.name + (m.coach ? " (coach)" : ""), m.id));
  picker.value = S.me;
  const locales = $("locale");
  locales.innerHTML = "";
  for (const code of st.locales || ["en-US"]) locales.append(new Option(code, code));
  locales.value = localeOf(S.me);
  const problems = $("problems");
  problems.hidden = !st.problems.length;
  problems.textContent = st.problems.length
    ? `The content has ${st.problems.length} problem(s), so the bot is not running:\n` + st.problems.join("\n") : "";
  showClock(st.clock);
  render();
}

function showClock(iso) {
  const d = new Date(iso);
  $("clock").textContent = d.toLocaleString("en-GB", { weekday: "short", day: "numeric", month: "short",
    hour: "2-digit", minute: "2-digit", timeZone: "UTC" }) + " UTC";
}

function member(id) { return S.state.members.find((m) => m.id === id); }
function nameOf(id) {
  if (S.state && id === S.state.bot.id) return S.state.bot.name;
  const m = S.state && member(id); return m ? m.name : "someone";
}

// -- drawing --------------------------------------------------------------------------------------------

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function escapeHtml(s) {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
}

function markdown(text) {
  let h = escapeHtml(text || "");
  h = h.replace(/&lt;@!?(\d+)&gt;/g, (_, id) => `<b>@${escapeHtml(nameOf(id))}</b>`);
  h = h.replace(/&lt;@&amp;(\d+)&gt;/g, "<b>@role</b>");
  h = h.replace(/&lt;#(\d+)&gt;/g, (_, id) => {
    const c = S.state.channels.find((x) => x.id === id); return `<b>#${escapeHtml(c ? c.name : "channel")}</b>`;
  });
  h = h.replace(/&lt;t:(\d+)(?::([a-zA-Z]))?&gt;/g, (_, t) => new Date(Number(t) * 1000).toLocaleString("en-GB",
    { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "UTC" }));
  h = h.replace(/&lt;\/([\w -]+):\d+&gt;/g, "<code>/$1</code>");
  h = h.replace(/`([^`]+)`/g, "<code>$1</code>");
  h = h.replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>");
  h = h.replace(/__([^_]+)__/g, "<u>$1</u>");
  h = h.replace(/(^|[^*])\*([^*\n]+)\*/g, "$1<i>$2</i>");
  h = h.replace(/(^|\s)_([^_\n]+)_/g, "$1<i>$2</i>");
  h = h.replace(/^-# (.*)$/gm, '<span class="note">$1</span>');
  h = h.replace(/^#{1,3} (.*)$/gm, "<b>$1</b>");
  h = h.replace(/\[([^\]]+)\]\((https?:[^)]+)\)/g, "$1");
  return h;
}

function visible(m) {
  if (m.visible_to && m.visible_to !== S.me) return false;
  if (S.dm) return m.dm_user === S.me;
  return !m.dm_user && m.channel_id === S.channel;
}

function byId(a, b) { const x = BigInt(a.id), y = BigInt(b.id); return x < y ? -1 : x > y ? 1 : 0; }

function render() {
  if (!S.state) return;
  renderSidebar();
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  box.innerHTML = "";
  const shown = [...S.messages.values()].filter(visible).sort(byId);
  if (!shown.length) box.append(el("div", "note empty", S.dm ? "No direct messages yet." : "No messages yet."));
  for (const m of shown) box.append(drawMessage(m));
  S.stick = atBottom || S.scrollDown;
  if (S.stick) { box.scrollTop = box.scrollHeight; S.scrollDown = false; }
}

// A picture that loads after drawing grows the list: stay at the bottom if we were there.
function keepBottom() { if (S.stick) $("messages").scrollTop = $("messages").scrollHeight; }

function renderSidebar() {
  const list = $("channels");
  list.innerHTML = "";
  for (const c of S.state.channels) {
    const li = el("li", "channel" + (!S.dm && c.id === S.channel ? " active" : ""), "# " + c.name);
    li.onclick = () => { S.dm = false; S.channel = c.id; S.scrollDown = true; render(); };
    list.append(li);
  }
  $("dm-entry").className = "channel" + (S.dm ? " active" : "");
  const dms = [...S.messages.values()].filter((m) => m.dm_user === S.me).length;
  const unseen = S.dm ? 0 : dms - (S.seenDm.get(S.me) || 0);
  if (S.dm) S.seenDm.set(S.me, dms);
  $("dm-count").hidden = unseen <= 0;
  $("dm-count").textContent = String(unseen);
  const channel = S.state.channels.find((c) => c.id === S.channel);
  $("title-text").textContent = S.dm ? `@${S.state.bot.name}` : `# ${channel ? channel.name : ""}`;
  $("title-note").textContent = S.dm ? `your direct messages with the bot, as ${nameOf(S.me)}`
    : `you are ${nameOf(S.me)}`;
  const ms = $("members");
  ms.innerHTML = "";
  for (const m of S.state.members) {
    const li = el("li", m.id === S.me ? "me" : "");
    li.append(el("span", "avatar", m.name[0].toUpperCase()), el("span", "", m.name + (m.coach ? " (coach)" : "")));
    li.onclick = () => pickMember(m.id);
    ms.append(li);
  }
}

// Each member's Discord client language, as the page chose it: sent with every interaction as its locale.
function localeOf(id) { return S.locales.get(id) || (S.state && S.state.locales ? S.state.locales[0] : "en-US"); }
function pickMember(id) {
  S.me = id; $("member").value = id; $("locale").value = localeOf(id); S.scrollDown = true; render();
}

function drawMessage(m) {
  const row = el("div", "message" + (m.visible_to ? " ephemeral" : ""));
  row.dataset.id = m.id;
  if (m.command_name) {
    row.append(el("span", ""), el("div", "used", `${m.invoker_name} used /${m.command_name}`));
  }
  const isBot = m.author.id === S.state.bot.id;
  row.append(el("div", "", ""));
  row.lastChild.append(el("span", "avatar" + (isBot ? " bot" : ""), (m.author.username || "?")[0].toUpperCase()));
  const body = el("div", "body");
  const head = el("div", "");
  head.append(el("span", "author", m.author.username));
  if (isBot) head.append(el("span", "tag", "APP"));
  head.append(el("span", "time", new Date(m.timestamp).toLocaleTimeString("en-GB", { hour: "2-digit",
    minute: "2-digit" })));
  body.append(head);
  if (m.loading) body.append(el("div", "thinking", `${S.state.bot.name} is thinking…`));
  if (m.content) {
    const c = el("div", "content");
    c.innerHTML = markdown(m.content);
    if (m.edited_timestamp) c.append(el("span", "edited", " (edited)"));
    body.append(c);
  }
  const used = new Set();
  for (const e of m.embeds || []) body.append(drawEmbed(e, m, used));
  for (const a of m.attachments || []) {
    if (used.has(a.filename) || !/^image\//.test(a.content_type || "")) continue;
    const box = el("div", "attachment");
    const img = el("img");
    img.onload = keepBottom; img.src = a.url; img.alt = a.description || a.filename;
    box.append(img); body.append(box);
  }
  for (const r of m.components || []) body.append(drawRow(r, m));
  if (m.visible_to) body.append(el("div", "note", "Only you can see this"));
  row.append(body);
  return row;
}

function attachmentUrl(url, m, used) {
  if (!url) return null;
  if (url.startsWith("attachment://")) {
    const name = url.slice(13); used.add(name);
    const a = (m.attachments || []).find((x) => x.filename === name);
    return a ? a.url : null;
  }
  return url.startsWith("http") || url.startsWith("/") ? url : null;
}

function drawEmbed(e, m, used) {
  const box = el("div", "embed");
  if (e.color !== undefined && e.color !== null) box.style.borderLeftColor = "#" + e.color.toString(16).padStart(6, "0");
  const thumb = attachmentUrl(e.thumbnail && e.thumbnail.url, m, used);
  if (thumb) { const t = el("img", "thumb"); t.onload = keepBottom; t.src = thumb; box.append(t); }
  if (e.author && e.author.name) box.append(el("div", "embed-author", e.author.name));
  if (e.title) { const t = el("div", "embed-title"); t.innerHTML = markdown(e.title); box.append(t); }
  if (e.description) { const d = el("div", "embed-desc"); d.innerHTML = markdown(e.description); box.append(d); }
  if (e.fields && e.fields.length) {
    const fs = el("div", "fields");
    for (const f of e.fields) {
      const fe = el("div", "field" + (f.inline ? " inline" : ""));
      const n = el("div", "field-name"); n.innerHTML = markdown(f.name);
      const v = el("div", "field-value"); v.innerHTML = markdown(f.value);
      fe.append(n, v); fs.append(fe);
    }
    box.append(fs);
  }
  const image = attachmentUrl(e.image && e.image.url, m, used);
  if (image) { const i = el("img", "image"); i.onload = keepBottom; i.src = image; i.alt = e.title || "picture"; box.append(i); }
  if (e.footer && e.footer.text) box.append(el("div", "footer", e.footer.text));
  return box;
}

function drawRow(r, m) {
  const row = el("div", "row");
  for (const c of r.components || []) {
    if (c.type === 2) {
      const b = el("button", "s" + (c.style || 2), (c.emoji && c.emoji.name ? c.emoji.name + " " : "") + (c.label || ""));
      b.type = "button";
      b.disabled = !!c.disabled || c.style === 5 || c.style === 6;
      b.onclick = () => click(m, c.custom_id);
      row.append(b);
    } else if ([3, 5, 6, 7, 8].includes(c.type)) {
      const s = el("select");
      s.append(new Option(c.placeholder || "Make a selection", ""));
      const options = c.type === 3 ? c.options || []
        : c.type === 8 ? S.state.channels.map((x) => ({ label: "#" + x.name, value: x.id }))
          : S.state.members.map((x) => ({ label: x.name, value: x.id }));
      for (const o of options) s.append(new Option(o.label, o.value));
      s.disabled = !!c.disabled;
      s.onchange = () => { if (s.value) click(m, c.custom_id, [s.value]); };
      row.append(s);
    }
  }
  return row;
}

async function click(m, customId, values) {
  const answer = await send("click", { message: m.id, custom_id: customId, values });
  if (answer.t === "error") toast(answer.text);
}

function toast(text) {
  const t = $("toast");
  t.textContent = text; t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 5000);
}

// -- the message box: slash commands with options and autocomplete -----------------------------------

function commands() { return S.state ? S.state.commands : []; }

function matchCommand(text) {
  const words = text.replace(/^\//, "").trim().split(/\s+/);
  let best = null;
  for (const c of commands()) {
    const parts = c.path.split(" ");
    if (parts.every((p, i) => words[i] === p) && (!best || parts.length > best.path.split(" ").length)) best = c;
  }
  if (!best) return null;
  const options = {};
  const rest = words.slice(best.path.split(" ").length).join(" ");
  for (const m of rest.matchAll(/(\w+):("([^"]*)"|\S+)/g)) options[m[1]] = m[3] !== undefined ? m[3] : m[2];
  return { command: best, options };
}

function suggest() {
  const box = $("suggest");
  const text = $("input").value;
  const found = matchCommand(text);
  if (!text.startsWith("/") || (found && text.trim() !== "/" + found.command.path && S.command === found.command)) {
    box.hidden = true; return;
  }
  const q = text.slice(1).trim();
  const list = commands().filter((c) => c.path.startsWith(q) || c.path.includes(q)).slice(0, 12);
  box.innerHTML = "";
  for (const c of list) {
    const s = el("div", "suggestion");
    s.append(el("b", "", "/" + c.path), el("span", "desc", c.description));
    s.onmousedown = (ev) => { ev.preventDefault(); choose(c); };
    box.append(s);
  }
  box.hidden = !list.length || (found && found.command.path === q);
}

function choose(c) {
  $("input").value = "/" + c.path + " ";
  S.command = c;
  drawOptions(c);
  $("suggest").hidden = true;
  $("input").focus();
}

function drawOptions(c) {
  const box = $("options");
  box.innerHTML = "";
  if (!c) return;
  for (const o of c.options) {
    const label = el("label");
    const head = el("span", "", o.name);
    if (o.required) head.append(el("span", "req", " *"));
    label.append(head);
    label.title = o.description;
    let field;
    if (o.choices.length || o.type === 5 || o.type === 6 || o.type === 7) {
      field = el("select");
      field.append(new Option(o.required ? "choose…" : "(none)", ""));
      const items = o.choices.length ? o.choices.map((x) => [x.name, x.value])
        : o.type === 5 ? [["true", "true"], ["false", "false"]]
          : o.type === 6 ? S.state.members.map((m) => [m.name, m.id])
            : S.state.channels.map((x) => ["#" + x.name, x.id]);
      for (const [n, v] of items) field.append(new Option(n, v));
    } else {
      field = el("input");
      field.placeholder = o.description.slice(0, 40);
      if (o.autocomplete) field.oninput = () => autocomplete(c, o, field, label);
      if (o.autocomplete) field.onfocus = () => autocomplete(c, o, field, label);
      field.onkeydown = (ev) => { if (ev.key === "Enter") { ev.preventDefault(); submit(); } };
    }
    field.dataset.option = o.name;
    label.append(field);
    box.append(label);
  }
}

function optionValues() {
  const values = {};
  for (const f of $("options").querySelectorAll("[data-option]")) if (f.value !== "") values[f.dataset.option] = f.value;
  return values;
}

async function autocomplete(c, o, field, label) {
  const answer = await send("autocomplete", { command: c.path, focused: o.name, value: field.value,
    options: optionValues() });
  for (const old of label.querySelectorAll(".choices")) old.remove();
  if (answer.t !== "choices" || !answer.choices.length || document.activeElement !== field) return;
  const box = el("div", "choices");
  for (const ch of answer.choices) {
    const s = el("div", "suggestion", ch.name);
    s.onmousedown = (ev) => { ev.preventDefault(); field.value = ch.value; box.remove(); };
    box.append(s);
  }
  label.append(box);
  field.onblur = () => setTimeout(() => box.remove(), 150);
}

async function submit() {
  const text = $("input").value.trim();
  if (!text) return;
  const found = matchCommand(text);
  if (!text.startsWith("/") || !found) {
    toast("The bot only answers slash commands here: type / to see them.");
    return;
  }
  const options = { ...found.options, ...(S.command === found.command ? optionValues() : {}) };
  const missing = found.command.options.filter((o) => o.required && !(o.name in options)).map((o) => o.name);
  if (missing.length) {
    if (S.command !== found.command) choose(found.command);
    toast(`/${found.command.path} needs: ${missing.join(", ")}`);
    return;
  }
  $("input").value = ""; S.command = null; drawOptions(null);
  S.scrollDown = true;
  const answer = await send("slash", { command: found.command.path, options });
  if (answer.t === "error") toast(answer.text);
}

// -- wiring ---------------------------------------------------------------------------------------------

$("composer").onsubmit = (ev) => { ev.preventDefault(); submit(); };
$("input").oninput = () => {
  const found = matchCommand($("input").value);
  if (found && found.command !== S.command) { S.command = found.command; drawOptions(found.command); }
  if (!found && S.command) { S.command = null; drawOptions(null); }
  suggest();
};
$("input").onkeydown = (ev) => {
  const first = $("suggest").querySelector(".suggestion");
  const open = !$("suggest").hidden && first;
  if (ev.key === "Tab" && open) { ev.preventDefault(); first.onmousedown(ev); }
  // Enter sends (the form has several fields once a command has options, so the browser would not submit it).
  if (ev.key === "Enter") { ev.preventDefault(); if (open && !matchCommand($("input").value)) first.onmousedown(ev); else submit(); }
};
$("input").onblur = () => setTimeout(() => { $("suggest").hidden = true; }, 150);
$("member").onchange = () => pickMember($("member").value);
$("locale").onchange = () => { S.locales.set(S.me, $("locale").value); };
$("dm-entry").onclick = () => { S.dm = true; S.scrollDown = true; render(); };
for (const b of $("jumps").querySelectorAll("button")) {
  b.onclick = async () => {
    for (const x of $("jumps").querySelectorAll("button")) x.disabled = true;
    $("clock-note").textContent = "moving the clock…";
    const answer = await send("clock", { target: b.dataset.target });
    for (const x of $("jumps").querySelectorAll("button")) x.disabled = false;
    if (answer.t === "error") { toast(answer.text); $("clock-note").textContent = ""; }
  };
}
connect();
