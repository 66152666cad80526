/** Typed views of the four contract kinds, valid after their schema passed (see schemas/). */

export type Environment = 'dev' | 'staging' | 'prod';
export type Variant = 'single' | 'cluster';
export type ResourceName = 'connections' | 'storageGiB' | 'cpuCores' | 'memoryGiB';
export const RESOURCE_NAMES: readonly ResourceName[] = ['connections', 'storageGiB', 'cpuCores', 'memoryGiB'];
export type Resources = Partial<Record<ResourceName, number>>;

export interface Endpoint {
  name: string;
  consumer: string;
  host: string;
  port: number;
  protocol: string;
  tls: boolean;
  secretRef: string;
}

export interface Tenant {
  apiVersion: string;
  kind: 'Tenant';
  id: string;
  owner: { team: string; email: string };
  environments: Environment[];
  isolation: string;
  consumers: { allowed: string[]; variants: Variant[] };
  quotas: Record<string, Resources>;
  approvals: Partial<Record<Environment, number>>;
  endpoints: Endpoint[];
}

export interface BindingConsumer {
  name: string;
  type: string;
  provider: string;
  variant: Variant;
  endpointRef: string;
  access: string;
  secret: { ref: string; shape: string };
  reserves: Resources;
}

export interface Binding {
  apiVersion: string;
  kind: 'Binding';
  id: string;
  tenant: string;
  environment: Environment;
  workload: { id: string; type: string };
  consumers: BindingConsumer[];
}

export interface SoftHard {
  soft: number;
  hard: number;
}

export interface CapacityLimit {
  provider: string;
  variant: Variant;
  connections?: SoftHard;
  storageGiB?: SoftHard;
  cpuCores?: SoftHard;
  memoryGiB?: SoftHard;
}

export interface CapacityOverride {
  provider: string;
  variant: Variant;
  resource: ResourceName;
  hard: number;
  reason: string;
}

export interface Capacity {
  apiVersion: string;
  kind: 'Capacity';
  tenant: string;
  budgetClass: 'dev' | 'shared' | 'prod';
  enforcement: 'deny' | 'warn';
  limits: CapacityLimit[];
  overrides?: CapacityOverride[];
}

export interface ProposalChange {
  action: 'add' | 'modify' | 'remove';
  target: { kind: 'Binding' | 'Capacity'; id: string };
  summary: string;
}

export interface Approval {
  approver: string;
  approvedAt: string;
  contentHash: string;
}

export interface Proposal {
  apiVersion: string;
  kind: 'Proposal';
  id: string;
  tenant: string;
  requester: string;
  created: string;
  expires: string;
  environment: Environment;
  window: { start: string; end: string };
  changes: ProposalChange[];
  justification: string;
  approvals?: Approval[];
}
