#!/usr/bin/env bash
# Installs what npm cannot: Debian's Chromium (operator, browser tests) and Mesa's Vulkan
# drivers >= 25 from bookworm-backports (lavapipe: the WebGPU backend on a machine without a GPU;
# bookworm's own Mesa 22 is too old for Dawn), and a C++ toolchain for better-sqlite3's native
# build (its prebuilt binaries would come from GitHub), and Redis for the distributed mode and its
# tests (`reasonlab worker`; tests start their own redis-server, no system service is needed).
# Idempotent: installs only what is missing.
#   --bench  also Debian's PyTorch with OpenBLAS: the policy benchmark's anchor, run beside ours
#            (large; no test needs it)
set -euo pipefail

MIN_MESA=25
BACKPORTS_LIST=/etc/apt/sources.list.d/reasonlab-backports.list
BACKPORTS_LINE="deb http://deb.debian.org/debian bookworm-backports main"

mesa_major() {
  local v
  v=$(dpkg-query -W -f='${Status} ${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  case "$v" in "install ok installed "*) v=${v##* } ;; *) echo 0; return ;; esac
  v=${v#*:}
  echo "${v%%.*}"
}

missing=()
if [ "${1:-}" = "--bench" ]; then
  /usr/bin/python3 -c "import torch" >/dev/null 2>&1 || missing+=(python3-torch)
  dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q "install ok installed" || missing+=(libopenblas0-pthread)
fi
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ "$(mesa_major)" -ge "$MIN_MESA" ] || missing+=(mesa-vulkan-drivers)
{ command -v g++ && command -v make && command -v python3; } >/dev/null 2>&1 || missing+=(build-essential python3)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system-deps: chromium, mesa-vulkan-drivers >= $MIN_MESA, redis-server and a C++ toolchain already installed"
  exit 0
fi

commands=()
if [[ " ${missing[*]} " == *" mesa-vulkan-drivers "* ]] && ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  commands+=("echo '$BACKPORTS_LINE' > $BACKPORTS_LIST")
fi
commands+=("apt-get update")
for pkg in "${missing[@]}"; do
  case "$pkg" in
    mesa-vulkan-drivers) commands+=("DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1") ;;
    *) commands+=("DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkg fonts-dejavu-core") ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing ${missing[*]}; run these as root, then run this script again:" >&2
  for c in "${commands[@]}"; do echo "  sudo sh -c \"$c\"" >&2; done
  exit 1
fi

echo "system-deps: installing ${missing[*]}"
for c in "${commands[@]}"; do echo "+ $c"; sh -c "$c"; done
[ -x /usr/bin/chromium ] || { echo "system-deps: chromium did not install" >&2; exit 1; }
command -v redis-server >/dev/null 2>&1 || { echo "system-deps: redis-server did not install" >&2; exit 1; }
[ "$(mesa_major)" -ge "$MIN_MESA" ] || { echo "system-deps: mesa-vulkan-drivers is older than $MIN_MESA" >&2; exit 1; }
echo "system-deps: done"
