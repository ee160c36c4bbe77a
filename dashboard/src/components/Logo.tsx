export const Logo = ({ size = 28 }: { size?: number }) => (
  <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
    <rect width="32" height="32" rx="8" fill="#0f766e" />
    <path d="M8.5 21.5c3-9.5 11.5-9.5 14.5-1" stroke="#fff" strokeWidth="3" fill="none" strokeLinecap="round" />
    <circle cx="23" cy="20.5" r="3.2" fill="#fbbf24" />
  </svg>
);
