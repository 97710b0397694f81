#!/usr/bin/env python3
"""Write NAME.gold.json for each wh_NAME.txt from its turns and the adjudicated labels."""
import json, sys, os, re
labels = {r['id']: r for r in map(json.loads, open(sys.argv[1]))}
outdir = sys.argv[2]
months = 'January February March April May June July August September October November December'.split()
for name in sys.argv[3:]:
    turns = [json.loads(l) for l in open(f'wh_{name}.turns.jsonl')]
    y, mo, d = map(int, name.split('-'))
    qa = []
    for t in turns:
        first = re.sub(r'\s+', ' ', t['text'].split('\n\n')[0]).strip()[:80]
        lab = labels[t['id']]
        qa.append({'kind': t['kind'], 'speaker': None if t['kind'] == 'question' else 'Maria Zakharova',
                   'first': first, 'countries': lab['countries'], 'topics': lab['topics']})
    gold = {'file': f'wh_{name}.txt', 'source': 'brian14708/wh-briefings press-briefings, ' + name,
            'meta': {'title': f'Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, {months[mo-1]} {d}, {y}',
                     'date': name, 'spokesperson': 'Maria Zakharova', 'place': 'Moscow',
                     'role': 'Foreign Ministry Spokesperson', 'time': '12:00'},
            'agenda': [], 'statements': [], 'qa': qa}
    os.makedirs(outdir, exist_ok=True)
    json.dump(gold, open(f'{outdir}/wh_{name}.gold.json', 'w'), ensure_ascii=False, indent=1)
    os.system(f'cp wh_{name}.txt {outdir}/')
