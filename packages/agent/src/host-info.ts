// GET /v1/agent/host: what Consul's debug.CollectHostInfo reports about the machine, in the JSON shapes of the
// gopsutil structs it returns (mem.VirtualMemoryStat, cpu.InfoStat, host.InfoStat, disk.UsageStat), key order
// included. Linux's /proc and /sys files give what node:os does not (vendor, flags, buffers, cached, ...); on
// other systems, or when one of them cannot be read, the fields come from node:os and the rest stay zero.
// Each part that fails is reported in Errors (as its message) and left null, as Consul does.
import { existsSync, readFileSync, readdirSync, statfsSync } from 'node:fs';
import { cpus, freemem, hostname, machine, release, totalmem, uptime } from 'node:os';

/** Consul measures the disk of "/" (agent/debug/host.go DiskUsagePath). */
const DISK_USAGE_PATH = '/';

export function collectHostInfo(): Record<string, unknown> {
  const errors: string[] = [];
  const part = <T>(collect: () => T): T | null => {
    try {
      return collect();
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
      return null;
    }
  };
  // Go's UnixNano(); the clock here has milliseconds.
  const collectionTime = Date.now() * 1_000_000;
  const host = part(hostStat);
  const memory = part(memoryStat);
  const disk = part(() => diskStat(DISK_USAGE_PATH));
  const cpu = part(cpuStats);
  return {
    Memory: memory,
    CPU: cpu,
    Host: host,
    Disk: disk,
    CollectionTime: collectionTime,
    Errors: errors.length ? errors : null,
  };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** "Key:   value" lines (/proc/meminfo, /etc/os-release with `=`) as a map. */
function keyValues(text: string, sep: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(sep);
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

function memoryStat(): Record<string, unknown> {
  const text = readText('/proc/meminfo');
  if (text === undefined) {
    const total = totalmem();
    const free = freemem();
    return memoryJson({ total, free, available: free, buffers: 0, cached: 0 }, new Map());
  }
  const kb = new Map<string, number>();
  for (const [k, v] of keyValues(text, ':')) kb.set(k, Number.parseInt(v, 10) * 1024);
  const get = (k: string) => kb.get(k) ?? 0;
  // gopsutil counts reclaimable slab as cache, and Used is what is neither free nor buffers nor cache.
  return memoryJson({ total: get('MemTotal'), free: get('MemFree'), available: get('MemAvailable'), buffers: get('Buffers'), cached: get('Cached') + get('SReclaimable') }, kb);
}

function memoryJson(m: { total: number; free: number; available: number; buffers: number; cached: number }, kb: Map<string, number>): Record<string, unknown> {
  const get = (k: string) => kb.get(k) ?? 0;
  const used = Math.max(0, m.total - m.free - m.buffers - m.cached);
  return {
    total: m.total,
    available: m.available,
    used,
    usedPercent: m.total ? (used / m.total) * 100 : 0,
    free: m.free,
    active: get('Active'),
    inactive: get('Inactive'),
    wired: 0,
    laundry: 0,
    buffers: m.buffers,
    cached: m.cached,
    writeBack: get('Writeback'),
    dirty: get('Dirty'),
    writeBackTmp: get('WritebackTmp'),
    shared: get('Shmem'),
    slab: get('Slab'),
    sreclaimable: get('SReclaimable'),
    sunreclaim: get('SUnreclaim'),
    pageTables: get('PageTables'),
    swapCached: get('SwapCached'),
    commitLimit: get('CommitLimit'),
    committedAS: get('Committed_AS'),
    highTotal: get('HighTotal'),
    highFree: get('HighFree'),
    lowTotal: get('LowTotal'),
    lowFree: get('LowFree'),
    swapTotal: get('SwapTotal'),
    swapFree: get('SwapFree'),
    mapped: get('Mapped'),
    vmallocTotal: get('VmallocTotal'),
    vmallocUsed: get('VmallocUsed'),
    vmallocChunk: get('VmallocChunk'),
    // HugePages_* are counts, not kB: /proc/meminfo has no unit after them.
    hugePagesTotal: get('HugePages_Total') / 1024,
    hugePagesFree: get('HugePages_Free') / 1024,
    hugePagesRsvd: get('HugePages_Rsvd') / 1024,
    hugePagesSurp: get('HugePages_Surp') / 1024,
    hugePageSize: get('Hugepagesize'),
    anonHugePages: get('AnonHugePages'),
  };
}

function cpuStats(): Record<string, unknown>[] {
  const text = readText('/proc/cpuinfo');
  const fromOs = cpus();
  if (text === undefined || !text.includes('processor')) {
    return fromOs.map((c, i) => cpuJson(i, new Map([['model name', c.model]]), c.speed));
  }
  return text
    .split(/\n\s*\n/)
    .filter((block) => /^processor\s*:/m.test(block))
    .map((block, i) => {
      const f = keyValues(block, ':');
      return cpuJson(Number(f.get('processor') ?? i), f, Number(f.get('cpu MHz') ?? fromOs[i]?.speed ?? 0));
    });
}

function cpuJson(index: number, f: Map<string, string>, mhz: number): Record<string, unknown> {
  const flags = f.get('flags') ?? f.get('Features') ?? '';
  return {
    cpu: index,
    vendorId: f.get('vendor_id') ?? '',
    family: f.get('cpu family') ?? '',
    model: f.get('model') ?? '',
    stepping: Number.parseInt(f.get('stepping') ?? '0', 10) || 0,
    physicalId: f.get('physical id') ?? '',
    coreId: f.get('core id') ?? '',
    // gopsutil reports each logical CPU of Linux as one core.
    cores: 1,
    modelName: f.get('model name') ?? '',
    mhz,
    cacheSize: Number.parseInt(f.get('cache size') ?? '0', 10) || 0,
    flags: flags === '' ? [] : flags.split(/\s+/),
    microcode: f.get('microcode') ?? '',
  };
}

function hostStat(): Record<string, unknown> {
  const up = Math.floor(uptime());
  const osRelease = keyValues(readText('/etc/os-release') ?? '', '=');
  const unquote = (v: string | undefined) => (v ?? '').replace(/^"(.*)"$/, '$1');
  const id = unquote(osRelease.get('ID'));
  return {
    hostname: hostname(),
    uptime: up,
    bootTime: Math.floor(Date.now() / 1000) - up,
    procs: processCount(),
    os: process.platform,
    platform: id,
    platformFamily: unquote(osRelease.get('ID_LIKE')).split(' ')[0] || id,
    platformVersion: unquote(osRelease.get('VERSION_ID')),
    kernelVersion: release(),
    kernelArch: machine(),
    virtualizationSystem: '',
    virtualizationRole: '',
    hostId: (readText('/sys/class/dmi/id/product_uuid') ?? readText('/proc/sys/kernel/random/boot_id') ?? '').trim().toLowerCase(),
  };
}

function processCount(): number {
  if (!existsSync('/proc')) return 0;
  try {
    return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
  } catch {
    return 0;
  }
}

/** statfs(2) f_type magic numbers of the common Linux filesystems, named as gopsutil names them. */
const FS_TYPES: Record<number, string> = {
  0xef53: 'ext2/ext3',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x9123683e: 'btrfs',
  0x58465342: 'xfs',
  0x2fc12fc1: 'zfs',
  0x6969: 'nfs',
  0x65735546: 'fuse',
  0x4d44: 'msdos',
  0x5346544e: 'ntfs',
};

function diskStat(path: string): Record<string, unknown> {
  const s = statfsSync(path);
  const total = s.blocks * s.bsize;
  const free = s.bavail * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  const inodesUsed = s.files - s.ffree;
  return {
    path,
    fstype: FS_TYPES[s.type] ?? '',
    total,
    free,
    used,
    usedPercent: used + free ? (used / (used + free)) * 100 : 0,
    inodesTotal: s.files,
    inodesUsed,
    inodesFree: s.ffree,
    inodesUsedPercent: s.files ? (inodesUsed / s.files) * 100 : 0,
  };
}
