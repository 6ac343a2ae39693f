interface RunRow {
  id: string;
  name?: string;
  kind?: string;
  status?: string;
  backend?: string | null;
  host?: { hostname: string };
  updated?: number;
  error?: string | { message: string };
}

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

async function refresh() {
  const runs: RunRow[] = await (await fetch("/api/runs")).json();
  const body = document.querySelector("#runs tbody")!;
  body.replaceChildren(
    ...runs.reverse().map((r) => {
      const tr = document.createElement("tr");
      tr.dataset.run = r.id;
      if (!r.kind) {
        tr.append(cell(r.id), cell(typeof r.error === "string" ? r.error : "unreadable", "error"));
        return tr;
      }
      const status = cell(r.status ?? "");
      status.innerHTML = `<span class="status ${r.status}">${r.status}</span>`;
      tr.append(
        cell(r.name ?? r.id),
        cell(r.kind),
        status,
        cell(r.backend ?? "-"),
        cell(r.host?.hostname ?? "-"),
        cell(r.updated ? new Date(r.updated).toLocaleString() : "-"),
      );
      return tr;
    }),
  );
  document.getElementById("summary")!.textContent = `${runs.length} run${runs.length === 1 ? "" : "s"}`;
}

refresh();
setInterval(refresh, 2000);
