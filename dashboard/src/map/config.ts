// Where the base map's tiles come from. The gateway serves /dashboard/config.json from its environment
// (DASHBOARD_TILE_URL, DASHBOARD_TILE_ATTRIBUTION; see serve.ts); without it the page uses OpenStreetMap's tiles.
// An empty tile URL means "never fetch tiles": the map is drawn from the tenant's own data only.

export interface MapConfig {
  /** XYZ template ({z}/{x}/{y}, optional {s} and {r}); null: no tiles, offline map only */
  tileUrl: string | null;
  attribution: string;
  maxZoom: number;
}

export const DEFAULT_MAP_CONFIG: MapConfig = {
  tileUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
  attribution: '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
  maxZoom: 19,
};

export async function loadMapConfig(): Promise<MapConfig> {
  try {
    const res = await fetch(new URL('config.json', document.baseURI), { headers: { accept: 'application/json' } });
    if (!res.ok) return DEFAULT_MAP_CONFIG;
    const c = (await res.json()) as Partial<MapConfig>;
    return {
      tileUrl: typeof c.tileUrl === 'string' ? c.tileUrl || null : c.tileUrl === null ? null : DEFAULT_MAP_CONFIG.tileUrl,
      attribution: typeof c.attribution === 'string' ? c.attribution : DEFAULT_MAP_CONFIG.attribution,
      maxZoom: Number.isInteger(c.maxZoom) ? c.maxZoom! : DEFAULT_MAP_CONFIG.maxZoom,
    };
  } catch {
    return DEFAULT_MAP_CONFIG;
  }
}
