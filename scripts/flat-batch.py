#!/usr/bin/env python3
"""Write N uniform, valid merchant rows as one JSONL batch (no shared identifiers).

Used to measure the hub's memory on a single very large upload (docs/performance.md);
realistic data with planted cases comes from `mhub samples generate`.
Usage: scripts/flat-batch.py N OUT.jsonl"""
import json, sys
n=int(sys.argv[1]); out=sys.argv[2]
W=[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]
def rid(i):
    body="110105%04d%02d%02d%03d"%(1950+i%50,1+i%12,1+i%28,i%1000)
    s=sum(int(c)*w for c,w in zip(body,W)); return body+"10X98765432"[s%11]
def luhn(body):
    tot=0
    for i,c in enumerate(reversed(body)):
        d=int(c)
        if i%2==0:
            d*=2
            if d>9: d-=9
        tot+=d
    return body+str((10-tot%10)%10)
with open(out,"w") as f:
    for i in range(n):
        f.write(json.dumps({"merchant_id":"M%014d"%i,"name":"深圳市测试商行%d号店"%i,"mcc":"5411","address":"广东省深圳市福田区深南大道%d号"%i,
          "lat":22.54,"lng":114.05,"legal_rep":{"name":"王伟","id_number":rid(i),"phone":"138%08d"%i},
          "settlement_account":{"number":luhn("621700%012d"%i),"name":"王伟"},
          "terminals":[{"terminal_id":"T%07d"%(i%10**7),"sn":"N5-%08d"%i}]},ensure_ascii=False)+"\n")
