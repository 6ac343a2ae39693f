#!/usr/bin/env node
// Packs what a GPU host without registry access needs to run the policy: the Node runtime, the
// policy's runtime dependencies (not the whole node_modules), and the Vulkan loader packages.
// Writes .gpu-bundle/ (git-ignored); on the host, `source scripts/gpu-host.sh` unpacks it.
//   node scripts/gpu-bundle.mjs [--out .gpu-bundle] [--no-debs]
import { execFileSync, execSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { out: { type: "string", default: ".gpu-bundle" }, "no-debs": { type: "boolean" } },
});
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const out = path.resolve(root, values.out);
process.chdir(root);
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(path.join(out, "debs"), { recursive: true });

const mb = (file) => `${(fs.statSync(file).size / 2 ** 20).toFixed(1)} MB`;
const xz = (tarArgs, file) => {
  execSync(`tar ${tarArgs} | xz -T0 -6 > ${JSON.stringify(file)}`, {
    stdio: ["ignore", "inherit", "inherit"],
    shell: "/bin/bash",
  });
  console.log(`${path.relative(root, file)}  ${mb(file)}`);
};

// 1. the Node binary that runs here (same version on the host)
xz(
  `cf - -C ${JSON.stringify(path.dirname(fs.realpathSync(process.execPath)))} ${path.basename(process.execPath)}`,
  path.join(out, "node.tar.xz"),
);

// 2. runtime dependencies of the policy and of tsx (which runs the TypeScript), found by walking
// package.json dependencies the way Node resolves them: nested node_modules first, then upward
const dirs = new Set();
function collect(name, from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) {
      const rel = path.relative(root, candidate);
      if (dirs.has(rel)) return;
      dirs.add(rel);
      const pkg = JSON.parse(fs.readFileSync(path.join(candidate, "package.json"), "utf8"));
      const real = fs.realpathSync(candidate);
      for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) collect(dep, real);
      return;
    }
    if (dir === root || dir === path.dirname(dir)) return; // optional dependency for another platform
  }
}
for (const name of ["@reasonlab/policy", "tsx"]) collect(name, root);
// every workspace link, so the reasonlab command starts (its other commands load their heavy
// dependencies only when run, and those are not needed on the GPU host)
for (const name of fs.readdirSync(path.join(root, "node_modules", "@reasonlab")))
  dirs.add(path.join("node_modules", "@reasonlab", name));
const excludes = [
  "*.map",
  "*.min.js",
  "*.md",
  "*.d.ts",
  "webgpu/dist/darwin-*",
  "webgpu/dist/win32-*",
  "webgpu/dist/linux-arm64",
]
  .map((e) => `--exclude=${JSON.stringify(e)}`)
  .join(" ");
const list = path.join(out, "dirs.txt");
fs.writeFileSync(list, [...dirs].sort().join("\n"));
xz(`cf - ${excludes} -T ${JSON.stringify(list)}`, path.join(out, "node_modules.tar.xz"));
fs.rmSync(list);

// 3. the Vulkan loader (the host's NVIDIA driver brings the ICD itself)
if (!values["no-debs"]) {
  const lists = fs.mkdtempSync("/tmp/apt-lists-");
  fs.mkdirSync(path.join(lists, "partial"));
  const o = ["-oAPT::Architecture=amd64", "-oAPT::Architectures=amd64", `-oDir::State::Lists=${lists}`];
  execFileSync("apt-get", [...o, "update"], { stdio: "ignore" });
  execFileSync("apt-get", [...o, "download", "libvulkan1"], { cwd: path.join(out, "debs"), stdio: "ignore" });
  for (const f of fs.readdirSync(path.join(out, "debs")))
    console.log(`debs/${f}  ${mb(path.join(out, "debs", f))}`);
}

// 4. the PyTorch reference, when this checkout has one beside it, to run side by side
const reference = path.resolve(root, "../shared/gpu-host/reference/torch_gpt_step.py");
if (fs.existsSync(reference)) fs.copyFileSync(reference, path.join(out, "torch_gpt_step.py"));
console.log(
  `bundle in ${path.relative(root, out)}/: carry it and run 'source scripts/gpu-host.sh' on the host`,
);
