#!/usr/bin/env bash
# Prints each test class's wall time from the last `mvn -B verify` (surefire and failsafe reports),
# slowest first, as a Markdown table, plus the total. Usage: tools/test-times.sh [REPO_DIR]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
shopt -s nullglob
files=(target/surefire-reports/TEST-*.xml target/failsafe-reports/TEST-*.xml)
[ ${#files[@]} -gt 0 ] || { echo "no test reports under target/: run mvn -B verify first" >&2; exit 2; }
echo "| test class | kind | tests | seconds |"
echo "|---|---|---:|---:|"
for f in "${files[@]}"; do
  head -c 4000 "$f" | tr '\n' ' ' | grep -o '<testsuite [^>]*>' | head -1 | {
    read -r line
    name=$(sed -E 's/.* name="([^"]*)".*/\1/' <<<"$line")
    time=$(sed -E 's/.* time="([^"]*)".*/\1/' <<<"$line")
    tests=$(sed -E 's/.* tests="([^"]*)".*/\1/' <<<"$line")
    kind=unit; [[ "$f" == *failsafe* ]] && kind=IT
    printf '%s\t%s\t%s\t%s\n' "${name##*.}" "$kind" "$tests" "$time"
  }
done | sort -t$'\t' -k4,4 -g -r | awk -F'\t' '{printf "| %s | %s | %s | %.1f |\n", $1, $2, $3, $4; t+=$4; n+=$3}
  END {printf "| **total** | | %d | %.1f |\n", n, t}'
