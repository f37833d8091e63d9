#!/usr/bin/env python3
"""clang-tidy in the unity build's batches (tests/clang_tidy.sh).
    clang_tidy_batches.py write UNITY_BUILD_DIR OUT_DIR
        writes OUT_DIR/compile_commands.json from the unity build's database: each unity batch
        becomes one source file with the batch's sources pasted in, so Boost's headers are
        parsed and matched once a batch instead of once a file, and the static analyzer still
        analyzes every function (it skips those of included files). Other sources stay as
        they are. OUT_DIR/lines.json says where each source begins in its batch.
    clang_tidy_batches.py name OUT_DIR < output
        rewrites each batch:line:column of clang-tidy's output as the source's own."""
import json
import os
import re
import sys


def write(unity_dir, out_dir):
    os.makedirs(os.path.join(out_dir, "batches"), exist_ok=True)
    with open(os.path.join(unity_dir, "compile_commands.json"), encoding="utf-8") as db:
        entries = json.load(db)
    tidied, lines = [], {}
    for entry in entries:
        source = entry["file"]
        if not re.search(r"/Unity/unity_\d+_cxx\.cxx$", source):
            tidied.append(entry)
            continue
        with open(source, encoding="utf-8") as unity:
            included = re.findall(r'^#include "(.+)"$', unity.read(), re.M)
        name = os.path.relpath(source, unity_dir).replace("/", "_")[: -len(".cxx")] + ".cpp"
        batch = os.path.join(out_dir, "batches", name)
        starts, line = [], 1
        with open(batch, "w", encoding="utf-8") as out:
            for path in included:
                with open(path, encoding="utf-8") as pasted:
                    text = pasted.read().rstrip("\n") + "\n"
                starts.append([line, path])
                out.write(text)
                line += text.count("\n")
        lines[batch] = starts
        tidied.append({**entry, "file": batch, "command": entry["command"].replace(source, batch)})
    with open(os.path.join(out_dir, "compile_commands.json"), "w", encoding="utf-8") as db:
        json.dump(tidied, db, indent=1)
    with open(os.path.join(out_dir, "lines.json"), "w", encoding="utf-8") as out:
        json.dump(lines, out)


def name(out_dir):
    with open(os.path.join(out_dir, "lines.json"), encoding="utf-8") as found:
        lines = json.load(found)

    def own(match):
        starts = lines.get(match[1])
        if not starts:
            return match[0]
        line = int(match[2])
        start, path = max((s for s in starts if s[0] <= line), key=lambda s: s[0])
        return f"{path}:{line - start + 1}:"

    for text in sys.stdin:
        sys.stdout.write(re.sub(r"(/[^\s:]+/batches/[^\s:]+\.cpp):(\d+):", own, text))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(*(os.path.abspath(path) for path in sys.argv[2:4]))
    else:
        name(os.path.abspath(sys.argv[2]))
