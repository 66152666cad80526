/**
 * Required roles to distinct people: a maximum bipartite matching (Kuhn's augmenting paths).
 * Counting is not enough: Alice may hold both operator and approver, but she alone covers one.
 */
export interface RoleMatching {
  /** role -> person id, for every role that could be covered. */
  assignment: Map<string, string>;
  /** Roles no remaining person can cover. */
  uncovered: string[];
}

/** `people` maps a person id to the roles they hold; iteration order makes the result deterministic. */
export function matchRolesToPeople(roles: readonly string[], people: ReadonlyMap<string, readonly string[]>): RoleMatching {
  const personOf = new Map<string, string>(); // role -> person
  const roleOf = new Map<string, string>(); // person -> role
  const holders = (role: string): string[] => [...people].filter(([, held]) => held.includes(role)).map(([id]) => id);

  const augment = (role: string, visited: Set<string>): boolean => {
    for (const person of holders(role)) {
      if (visited.has(person)) continue;
      visited.add(person);
      const taken = roleOf.get(person);
      if (taken === undefined || augment(taken, visited)) {
        roleOf.set(person, role);
        personOf.set(role, person);
        return true;
      }
    }
    return false;
  };

  const uncovered: string[] = [];
  for (const role of roles) {
    if (!augment(role, new Set())) uncovered.push(role);
  }
  return { assignment: personOf, uncovered };
}
