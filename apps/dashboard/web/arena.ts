// Arena: blind side-by-side answers to vote on, and the leaderboard the votes move.
import { type ArenaState, fmt, get, h, post, type VoteResponse } from "./api.js";
import type { Page } from "./main.js";

export const arenaPage: Page = (root) => {
  const battle = h("div", { class: "battle", id: "battle" });
  const board = h("div", { id: "leaderboard" });
  root.append(h("h2", {}, "Arena"), battle, h("h3", {}, "Leaderboard"), board);
  const load = async (reveal?: string) => {
    const s = await get<ArenaState>("/api/arena");
    board.replaceChildren(
      s.board.length
        ? h(
            "table",
            { class: "grid" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", {}, "rank"),
                h("th", {}, "model"),
                h("th", {}, "rating"),
                h("th", {}, "95% interval"),
                h("th", {}, "battles"),
              ),
            ),
            h(
              "tbody",
              {},
              ...s.board.map((r) =>
                h(
                  "tr",
                  { "data-model": r.model },
                  h("td", {}, String(r.rank)),
                  h("td", {}, r.model),
                  h("td", { class: "rating" }, fmt(r.rating, 0)),
                  h("td", {}, `${fmt(r.lo, 0)} – ${fmt(r.hi, 0)}`),
                  h("td", {}, String(r.battles)),
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, "No decided battles yet."),
      h(
        "p",
        { class: "muted small" },
        `${s.battles} decided battles, ${s.votes} human votes. Bradley–Terry ratings on the Elo scale with bootstrap intervals; a rank counts only the models whose whole interval lies above.`,
      ),
    );
    const next = s.pending[0];
    if (!next) {
      battle.replaceChildren(
        h(
          "p",
          { class: "muted" },
          reveal ?? "No battles wait for a vote. Stage some with: reasonlab eval arena --judge human ...",
        ),
      );
      return;
    }
    const vote = (winner: string) => async () => {
      const r = await post<VoteResponse>(`/api/arena/${encodeURIComponent(next.run)}/vote`, {
        id: next.id,
        winner,
      });
      await load(`You voted ${winner}: A was ${r.a}, B was ${r.b}.`);
    };
    battle.replaceChildren(
      reveal ? h("p", { class: "reveal small", id: "reveal" }, reveal) : "",
      h("div", { class: "muted small" }, `${s.pendingTotal} battle(s) wait for a vote`),
      h("div", { class: "prompt" }, next.prompt),
      h(
        "div",
        { class: "sides" },
        h("div", {}, h("h4", {}, "Model A"), h("pre", { class: "completion" }, next.a)),
        h("div", {}, h("h4", {}, "Model B"), h("pre", { class: "completion" }, next.b)),
      ),
      h(
        "div",
        { class: "toolbar" },
        h("button", { onclick: vote("a"), id: "vote-a" }, "A is better"),
        h("button", { onclick: vote("b"), id: "vote-b" }, "B is better"),
        h("button", { class: "secondary", onclick: vote("tie"), id: "vote-tie" }, "Tie"),
        h("button", { class: "secondary", onclick: vote("both-bad"), id: "vote-bad" }, "Both bad"),
      ),
    );
  };
  load();
  return () => {};
};
