#!/bin/sh
# Writes a valid Act program of about LINES lines (default 100000) to stdout:
# repeated blocks of a struct, an enum, messages, functions with loops,
# matches and string interpolation, and an actor with handlers and asks.
lines=${1:-100000}
awk -v lines="$lines" 'BEGIN {
  per = 58; n = int(lines / per); if (n < 1) n = 1
  for (i = 0; i < n; i++) {
    printf "struct Point%d { x: float, y: float, tag: string }\n", i
    printf "enum Shape%d { Circle(r: float), Rect(w: float, h: float), Empty }\n", i
    printf "message Add%d(amount: int)\n", i
    printf "message Get%d -> int\n", i
    printf "const LIMIT%d = %d\n", i, i * 7 + 1
    printf "fn area%d(s: Shape%d) -> float {\n", i, i
    printf "    match s {\n"
    printf "        Circle(r) => { return 3.14159 * r * r }\n"
    printf "        Rect(w, h) => { return w * h }\n"
    printf "        Empty => { return 0.0 }\n"
    printf "    }\n"
    printf "}\n"
    printf "fn sum%d(xs: [int]) -> int {\n", i
    printf "    var total = 0\n"
    printf "    for x in xs {\n"
    printf "        if x > LIMIT%d { total += x } else { total -= 1 }\n", i
    printf "    }\n"
    printf "    var k = 0\n"
    printf "    while k < 10 {\n"
    printf "        k += 1\n"
    printf "        total = total * 3 %% 1000003\n"
    printf "    }\n"
    printf "    return total\n"
    printf "}\n"
    printf "fn describe%d(p: Point%d) -> string {\n", i, i
    printf "    let m: [string: int] = [\"a\": 1, \"b\": 2]\n"
    printf "    var s = \"point {p.tag} at ({p.x}, {p.y})\"\n"
    printf "    if let v = m.get(p.tag) {\n"
    printf "        s += \" with {v}\"\n"
    printf "    }\n"
    printf "    return s\n"
    printf "}\n"
    printf "actor Counter%d(start: int) {\n", i
    printf "    var n = start\n"
    printf "    var history: [int] = []\n"
    printf "    init {\n"
    printf "        history.push(n)\n"
    printf "    }\n"
    printf "    on Add%d(amount) {\n", i
    printf "        n += amount\n"
    printf "        history.push(n)\n"
    printf "        if history.len() > 100 {\n"
    printf "            history = history.slice(50, history.len())\n"
    printf "        }\n"
    printf "    }\n"
    printf "    on Get%d {\n", i
    printf "        return n + sum%d(history)\n", i
    printf "    }\n"
    printf "}\n"
    printf "actor Client%d(c: Counter%d) {\n", i, i
    printf "    init {\n"
    printf "        c ! Add%d(%d)\n", i, i
    printf "        let v = await c ? Get%d\n", i
    printf "        let p = Point%d{x: 1.0, y: 2.0, tag: \"a\"}\n", i
    printf "        print(\"{v} {describe%d(p)} {area%d(Shape%d.Circle(2.0))}\")\n", i, i, i
    printf "    }\n"
    printf "}\n"
    printf "\n"
  }
  printf "actor Main(args: [string]) {\n"
  printf "    init {\n"
  printf "        let c = spawn Counter0(1)\n"
  printf "        spawn Client0(c)\n"
  printf "    }\n"
  printf "}\n"
}'
