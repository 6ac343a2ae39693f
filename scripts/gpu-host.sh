# Source on a GPU host, from the project root: unpacks .gpu-bundle/ (made by scripts/gpu-bundle.mjs),
# installs the Vulkan loader with dpkg -x, points Vulkan at the NVIDIA driver and puts node on PATH.
b=${GPU_BUNDLE:-.gpu-bundle}
mkdir -p "$b/bin"
[ -x "$b/bin/node" ] || tar xJf "$b/node.tar.xz" -C "$b/bin"
[ -d node_modules/@tensorflow ] || tar xJf "$b/node_modules.tar.xz"
for f in "$b"/debs/*.deb; do [ -e "$f" ] && dpkg -x "$f" /; done
ldconfig 2>/dev/null || true
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
export PATH="$PWD/$b/bin:$PATH"
echo "gpu-host: node $(node --version), VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
