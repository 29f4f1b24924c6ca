"""thaw's reference pre-fork app for scripts/bench: the sample app's catalogue, in Python, under gunicorn --preload.

Built the way sample-app's CatalogueBuilder builds it: the same number of products for the same
BENCH_DATASET_MB (1 product per KiB), each with a name, category, price, tags and a 110-word
description, plus a word index. With --preload the master builds it once and every forked worker
shares those pages copy-on-write: the model thaw brings to the JVM.
"""
import json
import os
import random
import re

ADJECTIVES = ["rustic", "modern", "compact", "sturdy", "vintage", "elegant", "portable", "classic", "smart", "quiet",
              "bright", "soft", "heavy", "light", "folding", "wireless", "ergonomic", "minimal", "deluxe", "eco"]
MATERIALS = ["oak", "walnut", "steel", "brass", "linen", "wool", "ceramic", "glass", "bamboo", "leather",
             "cotton", "copper", "granite", "cork", "aluminium", "marble"]
NOUNS = ["lamp", "chair", "table", "kettle", "blanket", "mug", "shelf", "clock", "backpack", "speaker",
         "desk", "stool", "vase", "mirror", "rug", "teapot", "bowl", "basket", "bench", "planter",
         "cabinet", "pillow", "jar", "tray", "frame", "lantern", "skillet", "grinder", "scale", "timer"]
CATEGORIES = ["kitchen", "furniture", "lighting", "outdoor", "office", "bedroom", "bathroom", "garden",
              "travel", "audio", "decor", "storage"]
TAGS = ["bestseller", "new", "sale", "handmade", "recycled", "giftable", "limited", "imported", "local",
        "organic", "durable", "washable", "stackable", "vegan", "premium", "budget", "compact", "family",
        "pet-friendly", "award-winning"]
FILLER = ["crafted", "designed", "finished", "built", "shaped", "made", "tested", "packed", "with", "for",
          "and", "from", "every", "daily", "use", "home", "care", "detail", "comfort", "style", "lasting",
          "gentle", "precise", "warm", "clean", "lines", "natural", "texture", "balanced", "weight", "smooth",
          "edges", "easy", "to", "maintain", "fits", "any", "room", "season", "small", "spaces", "large",
          "tables", "generous", "capacity", "reliable", "mechanism", "subtle", "glow", "matte", "surface"]
DESCRIPTION_WORDS = 110
WORD = re.compile(r"[a-z0-9]+")


def build(megabytes):
    rnd = random.Random(20240917)
    count = max(1, megabytes * 1024)
    products, index = {}, {}
    for pid in range(count):
        adjective, material, noun = rnd.choice(ADJECTIVES), rnd.choice(MATERIALS), rnd.choice(NOUNS)
        name = f"{adjective.capitalize()} {material.capitalize()} {noun.capitalize()}"
        category = rnd.choice(CATEGORIES)
        price = 199 + rnd.randrange(49_800)
        tags = tuple(dict.fromkeys((rnd.choice(TAGS), rnd.choice(TAGS), rnd.choice(TAGS))))
        description = f"A {adjective} {noun} in {material} " + " ".join(rnd.choice(FILLER) for _ in range(DESCRIPTION_WORDS)) + "."
        products[pid] = (pid, name, category, price, tags, description)
        words = set(WORD.findall(name.lower())) | {category}
        for tag in tags:
            words.update(WORD.findall(tag))
        for w in words:
            index.setdefault(w, []).append(pid)
    return products, index


PRODUCTS, INDEX = build(int(os.environ.get("BENCH_DATASET_MB", "300")))


def item_json(p):
    pid, name, category, price, tags, description = p
    return {"id": pid, "name": name, "category": category, "priceCents": price, "tags": list(tags), "description": description}


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    status, body = "200 OK", None
    if path == "/health":
        body = {"status": "ok"}
    elif path.startswith("/items/"):
        p = PRODUCTS.get(int(path[7:])) if path[7:].isdigit() else None
        status, body = ("200 OK", item_json(p)) if p else ("404 Not Found", {"error": "no such item"})
    elif path == "/search":
        q = environ.get("QUERY_STRING", "").partition("q=")[2].split("&")[0].lower()
        ids = INDEX.get(q, [])
        body = {"q": q, "count": len(ids), "items": [item_json(PRODUCTS[i]) for i in ids[:10]]}
    elif path == "/whoami":
        body = {"pid": os.getpid()}
    else:
        status, body = "404 Not Found", {"error": "no such endpoint: " + path}
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
