#!/usr/bin/env bash
# Fails when a Swift file is not formatted as `swift format` (the toolchain's) with .swift-format
# would write it. Generated code (*/Generated/*) is the generator's business and is left out.
#   scripts/check-format.sh         check
#   scripts/check-format.sh --fix   format in place
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(find Sources Tests Package.swift -name '*.swift' -not -path '*/Generated/*' | LC_ALL=C sort)
if [[ "${1:-}" == "--fix" ]]; then
  swift format format --in-place --configuration .swift-format "${files[@]}"
  exit 0
fi
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
for file in "${files[@]}"; do
  mkdir -p "$copy/$(dirname "$file")"
  cp "$file" "$copy/$file"
done
(cd "$copy" && swift format format --in-place --configuration "$root/.swift-format" "${files[@]}")
unformatted=0
for file in "${files[@]}"; do
  if ! diff -q "$file" "$copy/$file" >/dev/null; then
    diff -u "$file" "$copy/$file" | head -20 >&2 || true
    unformatted=$((unformatted + 1))
  fi
done
if [ "$unformatted" -ne 0 ]; then
  echo "check-format: files above are not formatted; run scripts/check-format.sh --fix and commit" >&2
  exit 1
fi
echo "check-format: ${#files[@]} Swift files formatted (.swift-format)"
