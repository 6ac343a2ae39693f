// Task families built the way third-party pages are, not from semantic HTML: links that are
// styled spans, a slider whose handle is a focusable span, a panel that scrolls on its own and
// loads more as it goes, HTML5 drag and drop into areas, a sortable list, a native select, and a
// dialog whose title-bar close is a span over the page. Each exercises one detection rule of the
// snapshot or one grammar verb (scroll [N], drag [N] to/by, select [N]).
import { esc, taskPage } from "./page.js";
import { b, find, firstClick, instance, lastOf, onSubmit, rngFor, type TaskFamily } from "./task.js";
import { CITIES, COLORS, FIRST, TOPICS, WORDS } from "./words.js";

const px = Math.round;

const spanLink: TaskFamily = {
  name: "span-link",
  description: "click a link that is a styled span with a click handler (no href, no role)",
  generate(seed) {
    const rng = rngFor(this.name, seed);
    const labels = rng.shuffle(TOPICS).slice(0, 5);
    const target = rng.pick(labels);
    // Some links announce themselves only by their cursor, some only by their handler (set as an
    // attribute or with addEventListener), as on real pages; underlined words that do nothing sit
    // between them.
    const link = (l: string) => {
      const cursor = rng.chance(0.7) ? "cursor:pointer;" : "";
      const style = `color:#2f5fd0;text-decoration:underline;${cursor}`;
      return rng.chance(0.5)
        ? `<span class="lnk" style="${style}">${esc(l)}</span>`
        : `<span style="${style}" onclick="if (event.isTrusted) __task.record('click', { label: this.textContent })">${esc(l)}</span>`;
    };
    const decoy = () => `<span style="text-decoration:underline">${esc(rng.pick(CITIES))}</span>`;
    const text = labels.map((l) => `${link(l)} (near ${decoy()})`).join(" · ");
    return instance(this.name, seed, {
      instruction: `Click the link "${target}".`,
      pages: {
        "1": taskPage({
          title: "Footer links",
          instruction: `Click the link ${b(target)}.`,
          body: `<h1>Company</h1><p>Our offices and pages: ${text}.</p>`,
          script: `for (const el of $$(".lnk")) onTrusted(el, "click", () => __task.record("click", { label: el.textContent }));`,
        }),
      },
      maxSteps: 5,
      score: (events) => firstClick(events, target),
      expert: (s) => ({ verb: "click", target: find(s, "clickable", target).index }),
    });
  },
};

// The slider spans 0-100 in steps of 5 over a 400 px track: 4 px a unit.
const TRACK = 400;

const slider: TaskFamily = {
  name: "slider",
  description: "drag a custom slider's handle (a focusable span) to a value, then submit",
  generate(seed) {
    const rng = rngFor(this.name, seed);
    const label = rng.pick(["Volume", "Brightness", "Opacity", "Budget share"]);
    const start = 5 * rng.int(0, 20);
    let target = 5 * rng.int(0, 19);
    if (target >= start) target += 5;
    return instance(this.name, seed, {
      instruction: `Set the ${label} slider to ${target}, then press Submit.`,
      pages: {
        "1": taskPage({
          title: "Slider",
          instruction: `Set the ${b(label)} slider to ${b(target)}, then press Submit.`,
          body: `<h1>Settings</h1><div id="lbl" style="font-weight:500">${esc(label)}</div>
            <div class="track" aria-labelledby="lbl" style="position:relative;width:${TRACK}px;height:6px;background:#ccd3e0;border-radius:3px;margin:22px 12px">
              <span class="handle" tabindex="0" style="position:absolute;top:-8px;width:22px;height:22px;margin-left:-11px;border-radius:50%;background:#3a6ff0;touch-action:none"></span>
            </div>
            <p>${esc(label)}: <output id="val">${start}</output> (0 to 100)</p><p><button id="submit">Submit</button></p>`,
          // Like jQuery UI: the track listens, the handle is only a focusable span; a drag keeps the
          // pointer's offset from the handle's centre, so grabbing it does not make it jump.
          script: `const track = $(".track"), handle = $(".handle"), out = $("#val");
            let value = ${start}, grab = null;
            const draw = () => { handle.style.left = value / 100 * ${TRACK} + "px"; out.textContent = value; };
            const set = (x) => {
              const f = Math.min(1, Math.max(0, (x - grab - track.getBoundingClientRect().left) / ${TRACK}));
              value = Math.round(f * 20) * 5; draw();
            };
            onTrusted(track, "pointerdown", (e) => {
              const h = handle.getBoundingClientRect();
              grab = e.target === handle ? e.clientX - (h.left + h.width / 2) : 0;
              set(e.clientX); handle.focus(); e.preventDefault();
            });
            onTrusted(document, "pointermove", (e) => { if (grab !== null) set(e.clientX); });
            onTrusted(document, "pointerup", () => { grab = null; });
            onTrusted(handle, "keydown", (e) => {
              const d = { ArrowRight: 5, ArrowUp: 5, ArrowLeft: -5, ArrowDown: -5 }[e.key];
              if (!d) return;
              e.preventDefault(); value = Math.min(100, Math.max(0, value + d)); draw();
            });
            onTrusted($("#submit"), "click", () => __task.record("submit", { value }));
            draw();`,
        }),
      },
      maxSteps: 6,
      score: (events) => onSubmit(events, (d) => (d.value === target ? 1 : 0)),
      expert: (s) => {
        const now = Number(s.text.match(new RegExp(`${label}: (\\d+)`))?.[1]);
        if (now === target) return { verb: "click", target: find(s, "button", "Submit").index };
        return {
          verb: "drag",
          target: find(s, "focusable", label).index,
          by: { x: (target - now) * 4, y: 0 },
        };
      },
    });
  },
};

const FILLER = [
  "the service",
  "your account",
  "these terms",
  "any content",
  "the provider",
  "reasonable notice",
  "applicable law",
  "this agreement",
  "the user",
  "personal data",
  "each party",
  "written consent",
];

const scrollText: TaskFamily = {
  name: "scroll-text",
  description: "scroll inside a panel that loads more as it nears its end, then type its last word",
  generate(seed) {
    const rng = rngFor(this.name, seed);
    const sentence = () =>
      `${Array.from({ length: rng.int(9, 15) }, () => rng.pick(FILLER)).join(" and ")} apply.`.replace(
        /^./,
        (c) => c.toUpperCase(),
      );
    const paragraph = () => `<p>${Array.from({ length: rng.int(2, 3) }, sentence).join(" ")}</p>`;
    const last = rng.pick([...CITIES, ...COLORS]);
    const chunks = [
      Array.from({ length: 3 }, paragraph).join(""),
      Array.from({ length: 2 }, paragraph).join(""),
      `${paragraph()}<p>Signed and sealed in ${esc(last)}</p>`,
    ];
    return instance(this.name, seed, {
      instruction:
        "Scroll to the end of the terms, type their last word into the Last word field and press Submit.",
      pages: {
        "1": taskPage({
          title: "Terms",
          instruction: `Scroll to the end of the terms, type their ${b("last word")} into the Last word field and press Submit.`,
          body: `<h1>Terms of service</h1>
            <div id="terms" tabindex="0" aria-label="Terms of service" style="height:180px;overflow:auto;border:1px solid #b9c1d0;border-radius:6px;padding:4px 12px">${chunks[0]}<p id="more" style="color:#777">Loading more…</p></div>
            <label for="word">Last word</label><input id="word" type="text" autocomplete="off" style="width:220px">
            <p><button id="submit">Submit</button></p>`,
          // An infinite scroll: near the bottom the panel appends the next part of the text.
          script: `const CHUNKS = ${JSON.stringify(chunks.slice(1))};
            const panel = $("#terms");
            panel.addEventListener("scroll", () => {
              if (!CHUNKS.length || panel.scrollTop + panel.clientHeight < panel.scrollHeight - 40) return;
              $("#more").insertAdjacentHTML("beforebegin", CHUNKS.shift());
              if (!CHUNKS.length) $("#more").remove();
            });
            onTrusted($("#submit"), "click", () => __task.record("submit", { word: $("#word").value }));`,
        }),
      },
      maxSteps: 20,
      score: (events) =>
        onSubmit(events, (d) =>
          String(d.word)
            .trim()
            .replace(/[.,;!]+$/, "")
            .toLowerCase() === last.toLowerCase()
            ? 1
            : 0,
        ),
      expert: (s) => {
        const field = find(s, "textbox", "Last word");
        if (s.text.includes("Loading more"))
          return {
            verb: "scroll",
            target: find(s, "scrollable", "Terms of service").index,
            direction: "down",
          };
        if (field.value !== last) return { verb: "type", target: field.index, text: last };
        return { verb: "click", target: find(s, "button", "Submit").index };
      },
    });
  },
};

const dragToArea: TaskFamily = {
  name: "drag-to-area",
  description: "drag a box (HTML5 drag and drop) into one of several drop areas",
  generate(seed) {
    const rng = rngFor(this.name, seed);
    const areas = rng.shuffle(COLORS).slice(0, 3);
    const target = rng.pick(areas);
    const boxes = areas
      .map(
        (a) =>
          `<div class="area" data-name="${esc(a)}" style="flex:1;height:120px;border:2px dashed #9aa7bd;border-radius:10px;display:flex;align-items:center;justify-content:center;color:#5b6577">${esc(a)}</div>`,
      )
      .join("");
    return instance(this.name, seed, {
      instruction: `Drag the box into the ${target} area.`,
      pages: {
        "1": taskPage({
          title: "Drop areas",
          instruction: `Drag the box into the ${b(target)} area.`,
          body: `<h1>Upload</h1><div class="row" style="justify-content:${rng.pick(["flex-start", "center", "flex-end"])}">
            <div id="box" draggable="true" style="width:90px;height:60px;background:#ffd479;border:1px solid #d9a400;border-radius:6px;display:flex;align-items:center;justify-content:center">Box</div></div>
            <div class="row" style="margin-top:40px;align-items:stretch">${boxes}</div>`,
          script: `for (const area of $$(".area")) {
              area.addEventListener("dragover", (e) => e.preventDefault());
              onTrusted(area, "drop", (e) => { e.preventDefault(); area.append($("#box")); __task.record("drop", { area: area.dataset.name }); });
            }`,
        }),
      },
      maxSteps: 5,
      score: (events) => {
        const drop = lastOf(events, "drop");
        return drop ? { reward: drop.data.area === target ? 1 : 0, done: true } : { reward: 0, done: false };
      },
      expert: (s) => {
        const area = find(s, "drop-target", target);
        return {
          verb: "drag",
          target: find(s, "draggable", "Box").index,
          at: { x: px(area.box.x + area.box.width / 2), y: px(area.box.y + area.box.height / 2) },
        };
      },
    });
  },
};

const sortableList: TaskFamily = {
  name: "sortable-list",
  description: "drag an item of a sortable list to a given position, then save",
  generate(seed) {
    const rng = rngFor(this.name, seed);
    const items = rng.shuffle(FIRST).slice(0, 5);
    const from = rng.int(0, 4);
    let to = rng.int(0, 3);
    if (to >= from) to += 1;
    const item = items[from]!;
    const want = items.filter((x) => x !== item);
    want.splice(to, 0, item);
    const lis = items
      .map(
        (x) =>
          `<li style="padding:8px 12px;margin:4px 0;background:#eef2f8;border:1px solid #c9d2e3;border-radius:6px;cursor:move;user-select:none">${esc(x)}</li>`,
      )
      .join("");
    return instance(this.name, seed, {
      instruction: `Move "${item}" to position ${to + 1} of the speaker list, then press Save.`,
      pages: {
        "1": taskPage({
          title: "Sortable list",
          instruction: `Move ${b(item)} to position ${b(to + 1)} of the speaker list, then press Save.`,
          body: `<h1>Speaker order</h1><ul id="list" style="list-style:none;padding:0;width:260px;touch-action:none">${lis}</ul><p><button id="save">Save</button></p>`,
          // Like jQuery UI's sortable: the list listens; an item goes where it is dropped, before
          // the first other item whose middle lies below the pointer.
          script: `const list = $("#list"), order = () => $$("#list li").map((x) => x.textContent);
            let held = null;
            onTrusted(list, "pointerdown", (e) => { held = e.target.closest("li"); if (held) { held.style.opacity = "0.5"; e.preventDefault(); } });
            onTrusted(document, "pointerup", (e) => {
              if (!held) return;
              const li = held; held = null; li.style.opacity = "";
              const others = $$("#list li").filter((x) => x !== li);
              const at = others.filter((x) => { const r = x.getBoundingClientRect(); return r.top + r.height / 2 < e.clientY; }).length;
              if (at < others.length) list.insertBefore(li, others[at]); else list.append(li);
              __task.record("order", { order: order() });
            });
            onTrusted($("#save"), "click", () => __task.record("submit", { order: order() }));`,
        }),
      },
      maxSteps: 6,
      score: (events) => onSubmit(events, (d) => (JSON.stringify(d.order) === JSON.stringify(want) ? 1 : 0)),
      expert: (s) => {
        const listed = s.elements.filter((e) => e.role === "draggable");
        const now = listed.findIndex((e) => e.name === item);
        if (now === to) return { verb: "click", target: find(s, "button", "Save").index };
        // Drop on the upper quarter of the item now at the goal when moving up, the lower when down.
        const there = listed[to]!.box;
        const y = there.y + there.height * (to < now ? 0.25 : 0.75);
        return {
          verb: "drag",
          target: listed[now]!.index,
          at: { x: px(there.x + there.width / 2), y: px(y) },
        };
      },
    });
  },
};

const nativeSelect: TaskFamily = {
  name: "native-select",
  description: "choose an option of a native <select> and submit",
  generate(seed) {
    const rng = rngFor(this.name, seed);
    const options = rng.shuffle(CITIES).slice(0, rng.int(5, 9));
    const target = rng.pick(options);
    const label = rng.pick(["Office", "Destination", "Home city"]);
    return instance(this.name, seed, {
      instruction: `Choose "${target}" as the ${label} and press Submit.`,
      pages: {
        "1": taskPage({
          title: "Select",
          instruction: `Choose ${b(target)} as the ${esc(label)} and press Submit.`,
          body: `<h1>Travel</h1><label for="city">${esc(label)}</label>
            <select id="city" style="font:inherit;padding:5px;min-width:200px"><option value="">Choose…</option>${options.map((o) => `<option>${esc(o)}</option>`).join("")}</select>
            <p><button id="submit">Submit</button></p>`,
          script: `onTrusted($("#submit"), "click", () => __task.record("submit", { value: $("#city").value }));`,
        }),
      },
      maxSteps: 6,
      score: (events) => onSubmit(events, (d) => (d.value === target ? 1 : 0)),
      expert: (s) => {
        const select = find(s, "combobox", label);
        if (select.value !== target) return { verb: "select", target: select.index, option: target };
        return { verb: "click", target: find(s, "button", "Submit").index };
      },
    });
  },
};

const dialogClose: TaskFamily = {
  name: "dialog-close",
  description: "close a modal dialog (its close is a span in the title bar) to reach a button under it",
  generate(seed) {
    const rng = rngFor(this.name, seed);
    const labels = rng.shuffle(WORDS).slice(0, 4);
    const target = rng.pick(labels);
    const title = rng.pick(["What's new", "Cookies", "Welcome back", "Maintenance tonight"]);
    return instance(this.name, seed, {
      instruction: `Click the button "${target}".`,
      pages: {
        "1": taskPage({
          title: "Dialog",
          instruction: `Click the button ${b(target)}.`,
          body: `<h1>Dashboard</h1><div class="row">${labels.map((l) => `<button class="action">${esc(l)}</button>`).join("")}</div>
            <div id="backdrop" style="position:fixed;inset:0;background:#1d243366;display:flex;align-items:center;justify-content:center">
              <div style="background:#fff;width:380px;border-radius:8px;overflow:hidden;box-shadow:0 4px 20px #0004">
                <div class="titlebar" style="cursor:move;background:#1d2433;color:#fff;padding:6px 10px;display:flex;justify-content:space-between">
                  <span>${esc(title)}</span><span class="close" title="Close" style="cursor:pointer;padding:0 6px">×</span></div>
                <p style="padding:4px 14px">${esc(title)}: ${rng.pick(["a few changes to the dashboard", "we keep your settings on this device", "some pages will be slower"])}.</p>
              </div></div>`,
          script: `onTrusted($(".close"), "click", () => $("#backdrop").remove());
            for (const el of $$(".action")) onTrusted(el, "click", () => __task.record("click", { label: el.textContent }));`,
        }),
      },
      maxSteps: 6,
      score: (events) => firstClick(events, target),
      expert: (s) => {
        const button = find(s, "button", target);
        if (button.occluded) return { verb: "click", target: find(s, "clickable", "Close").index };
        return { verb: "click", target: button.index };
      },
    });
  },
};

export const REAL_PAGE_FAMILIES: TaskFamily[] = [
  spanLink,
  slider,
  scrollText,
  dragToArea,
  sortableList,
  nativeSelect,
  dialogClose,
];
