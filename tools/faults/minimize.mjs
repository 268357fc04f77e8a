// Shrinks a failing history to a small one that still fails the same check: the shortest prefix (by call time)
// that fails, then each operation dropped in turn if the rest still fails. Bounded, so a huge history costs
// seconds, not hours; what it prints is the history to read, not a proof of minimality.
export function minimize(ops, fails, maxChecks = 3000) {
  let list = [...ops].sort((a, b) => a.call - b.call);
  let checks = 0;
  const stillFails = (l) => {
    checks++;
    return fails(l);
  };
  let lo = 1;
  let hi = list.length;
  while (lo < hi && checks < maxChecks) {
    const mid = (lo + hi) >> 1;
    if (stillFails(list.slice(0, mid))) hi = mid;
    else lo = mid + 1;
  }
  list = list.slice(0, hi);
  for (let i = list.length - 1; i >= 0 && checks < maxChecks; i--) {
    const without = list.slice(0, i).concat(list.slice(i + 1));
    if (stillFails(without)) list = without;
  }
  return list;
}
