"""Check a So ist S draw yourself: python3 verify_draw.py URL-or-file-of-ziehung.json [your_handle] (stdlib only)."""
import hashlib, hmac, json, sys, urllib.request

source = sys.argv[1]
if source.startswith(("http://", "https://")):
    data = json.load(urllib.request.urlopen(source))
else:
    data = json.load(open(source, encoding="utf-8"))
seed, lines = bytes.fromhex(data["seed"]), data["entries"]
# 1. The seed revealed after the draw is the one committed to before anyone entered.
ok = hashlib.sha256(seed).hexdigest() == data["seed_sha256"]
print("Seed passt zum vorab veröffentlichten Hash:", ok)
# 2. The entry list is the one frozen at the deadline: sorted lines, each ending in a newline.
text = "".join(line + "\n" for line in sorted(lines))
same = hashlib.sha256(text.encode("utf-8")).hexdigest() == data["entries_sha256"]
print("Teilnahmeliste passt zum Hash:", same)
# 3. Every entry gets the score HMAC-SHA-256(seed, line); the lowest scores win.
ranking = sorted((hmac.new(seed, l.encode("utf-8"), hashlib.sha256).hexdigest(), l) for l in lines)
order = [line for _, line in ranking]
n, r = data["winners_count"], data["reserves_count"]
print("Gewinn:", order[:n])
print("Nachrücker:", order[n:n + r])
result = ok and same and order[:n] == data["winners"] and order[n:n + r] == data["reserves"]
print("Ergebnis bestätigt" if result else "ABWEICHUNG gefunden")
# 4. Lines carry HMAC-SHA-256(seed, "konto:" + handle)[:16] instead of the account: find your own.
if len(sys.argv) > 2:
    mark = hmac.new(seed, ("konto:" + sys.argv[2].lstrip("@").lower()).encode("utf-8"), hashlib.sha256).hexdigest()[:16]
    print("Deine Teilnahme:", [l for l in lines if l.split(" ")[1] == mark] or "nicht gefunden")
sys.exit(0 if result else 1)
