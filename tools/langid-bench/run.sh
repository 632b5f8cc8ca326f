#!/usr/bin/env bash
# Measures the language-identification candidates on shared/data (UDHR + NTREX-128), each in its own JVM
# pinned to one core, and prints the Markdown tables of docs/LANGID.md.
#   tools/langid-bench/run.sh [DATA_DIR] [OUT_DIR] [PER_SOURCE] [CANDIDATES...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${1:-$here/../../../shared/data}"
out="${2:-$here/target/results}"
per="${3:-30}"
shift $(( $# > 3 ? 3 : $# ))
cands=("$@")
[ ${#cands[@]} -gt 0 ] || cands=(optimaize opennlp lingua-low lingua-high)
mvn -B -q -o -f "$here/pom.xml" compile dependency:build-classpath -Dmdep.outputFile="$here/target/cp.txt"
cp="$here/target/classes:$(cat "$here/target/cp.txt")"
for c in "${cands[@]}"; do
  java -XX:ActiveProcessorCount=1 -Djava.util.concurrent.ForkJoinPool.common.parallelism=1 -Xmx6g \
    -cp "$cp" org.crest.tools.langid.LangIdBench run "$c" "$data" "$out" "$per"
done
java -cp "$cp" org.crest.tools.langid.LangIdBench report "$out" > "$out/report.md"
echo "tables in $out/report.md"
