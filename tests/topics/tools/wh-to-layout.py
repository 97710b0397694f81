#!/usr/bin/env python3
"""Split White House transcripts into turns (Q / LABEL:) and write them
(1) as a turns list for readers, (2) set into the Russian MFA layout."""
import re, sys, json, os
NB = '\u00a0'
lab = re.compile(r'^(Q) (.*)$|^([A-Z][A-Z.\' -]{1,60}):[\s\u00a0]+(.*)$')
def turns(path):
    txt = open(path, encoding='utf-8').read()
    body = txt.split('\n---\n', 1)[1] if txt.startswith('---') else txt
    paras, cur = [], []
    for raw in body.split('\n'):
        line = raw.replace(NB, ' ').strip()
        if not line:
            if cur: paras.append(' '.join(cur)); cur = []
            continue
        cur.append(line)
    if cur: paras.append(' '.join(cur))
    out = []
    for p in paras:
        p = re.sub(r' {2,}', ' ', p)
        m = lab.match(p)
        if m:
            if m.group(1):
                out.append({'kind': 'question', 'label': 'Q', 'paras': [m.group(2)]})
            elif m.group(3) == 'MODERATOR':
                out.append({'kind': 'moderator', 'label': 'MODERATOR', 'paras': [m.group(4)]})
            else:
                out.append({'kind': 'answer', 'label': m.group(3), 'paras': [m.group(4)]})
        elif out:
            if re.fullmatch(r'(END )?\d{1,2}:\d\d [AP]\.M\. [A-Z]+', p) or p == 'END':
                continue
            out[-1]['paras'].append(p)
    return [t for t in out if t['kind'] != 'moderator']
MONTHS = 'January February March April May June July August September October November December'.split()


def write_layout(out, y, mo, d, ts):
    """Write turns ts as one briefing of date y-mo-d in the MFA layout to the open file out."""
    out.write('The Ministry of Foreign Affairs of the Russian Federation\n\n')
    out.write(f'Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, {MONTHS[mo-1]} {d}, {y}\n\n')
    out.write(f'{d} {MONTHS[mo-1]} {y}12:00\n\nTable of contents\n\n  1. Answers to media questions:\n\nAnswers to media questions:\n\n')
    for t in ts:
        lbl = 'Question: ' if t['kind'] == 'question' else 'Maria Zakharova: '
        out.write(lbl + t['paras'][0] + '\n\n')
        for p in t['paras'][1:]:
            out.write(p + '\n\n')


def main(paths):
    for path in paths:
        name = os.path.basename(path).split('_')[1]
        ts = turns(path)[:int(os.environ.get('MAXTURNS', '100000'))]
        y, mo, d = map(int, name.split('-'))
        with open(f'wh_{name}.txt', 'w') as f:
            write_layout(f, y, mo, d, ts)
        with open(f'wh_{name}.turns.jsonl', 'w') as f:
            for i, t in enumerate(ts):
                f.write(json.dumps({'id': f'{name}#{i+1}', 'kind': t['kind'], 'label': t['label'], 'text': '\n\n'.join(t['paras'])}, ensure_ascii=False) + '\n')
        print(name, len(ts), sum(t['kind']=='question' for t in ts))


if __name__ == '__main__':
    main(sys.argv[1:])
