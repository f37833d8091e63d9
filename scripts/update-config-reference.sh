#!/usr/bin/env bash
# Rewrites the settings table in docs/configuration.md from the code's settings table
# (src/config/settings.cpp), using the expected text the docs unit test prints.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake --build "$build" --target unit_tests >/dev/null
table=$("$build/tests/unit_tests" --gtest_filter=Docs.ConfigurationReferenceListsEverySetting 2>&1 |
  awk '/As Text: "\| YAML/{n++; if(n==2){p=1; sub(/.*As Text: "/,"")}} p{print} p && /^\| `storage.alioss.endpoint`/{exit}') || true
if [ -z "$table" ]; then echo "docs/configuration.md is up to date"; exit 0; fi
TABLE="$table" python3 - <<'PY'
import os
path = 'docs/configuration.md'
text = open(path).read()
begin, end = '<!-- settings:begin -->\n', '<!-- settings:end -->'
a, b = text.index(begin) + len(begin), text.index(end)
open(path, 'w').write(text[:a] + os.environ['TABLE'] + '\n' + text[b:])
PY
echo "docs/configuration.md updated"
