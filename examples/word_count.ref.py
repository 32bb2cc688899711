# Reference for word_count.hi: re-split the text with a regular expression,
# count with a dict (insertion ordered, like hilang's Map) and rank with a
# stable sort (ties keep first-seen order).
import re

text = ("Regions free memory in bulk. A region holds the objects\n"
        "of a phase; when the phase ends, the region ends, and all\n"
        "of its objects go at once. No collector walks the heap,\n"
        "no object is freed alone, and the program never says free.\n"
        "The compiler finds the regions; the programmer finds the bugs\n"
        "in the program, not in the memory.\n")

words = [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
counts = {}
for w in words:
    counts[w] = counts.get(w, 0) + 1
print("lines", text.count("\n"), "bytes", len(text.encode()), "words", len(words), "distinct", len(counts))
row = ""
for w, n in counts.items():
    item = "%s=%d" % (w, n)
    row = item if not row else row + " " + item
    if len(row) > 60:
        print(row)
        row = ""
if row:
    print(row)
ranked = sorted(counts.items(), key=lambda kv: -kv[1])
for rank, (w, n) in enumerate(ranked[:3], 1):
    print("top", rank, w, n)
