#!/usr/bin/env python3
"""F1 between two readers' labels (micro over turn x label), per field and per topic."""
import json, sys, collections
def load(p): return {r['id']: r for r in map(json.loads, open(p))}
a, b = load(sys.argv[1]), load(sys.argv[2])
assert a.keys() == b.keys()
for field in ('countries', 'topics'):
    tp = fa = fb = 0
    per = collections.Counter()
    for i in a:
        sa, sb = set(a[i][field]), set(b[i][field])
        tp += len(sa & sb); fa += len(sa - sb); fb += len(sb - sa)
        for t in sa & sb: per[(t, 'tp')] += 1
        for t in sa - sb: per[(t, 'a')] += 1
        for t in sb - sa: per[(t, 'b')] += 1
    f1 = 2 * tp / (2 * tp + fa + fb) if tp + fa + fb else 1.0
    print(f'{field}: agreement F1 {f1:.3f} (both {tp}, only A {fa}, only B {fb})')
    if field == 'topics':
        for t in sorted({k[0] for k in per}):
            x, y, z = per[(t, 'tp')], per[(t, 'a')], per[(t, 'b')]
            print(f'  {t:18s} F1 {2*x/(2*x+y+z):.3f}  both {x:3d} onlyA {y:3d} onlyB {z:3d}')
