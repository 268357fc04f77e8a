// Whether two strings are equal, in time that depends on their length only: for secrets (ACL tokens), where an
// early exit at the first differing character would tell a caller how much of a guess was right. crypto's
// timingSafeEqual needs two Buffers, i.e. two allocations per comparison on a path that runs per request.

export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
