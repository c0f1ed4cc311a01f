/**
 * Roster suppression with hysteresis (spec §4.5): above `limit` connected participants the room
 * stops sending join/leave notices and stops giving newcomers the roster; it resumes once the count
 * falls below 80 % of the limit.
 */
export function nextRosterSuppressed(suppressed: boolean, count: number, limit: number): boolean {
  if (!suppressed) return count > limit;
  return count >= Math.ceil(limit * 0.8);
}
