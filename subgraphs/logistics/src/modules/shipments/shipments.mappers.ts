import type { Shipment } from '../../generated/prisma/client.ts';

/** A reference to another subgraph's entity: keys identify, they carry no data. */
export interface EntityRef {
  id: string;
}

/** The shipment row's DateTime columns (to revive a row carried in an event). */
export const SHIPMENT_DATES = ['eta', 'dispatchedAt', 'deliveredAt', 'cancelledAt', 'createdAt', 'updatedAt'] as const satisfies readonly (keyof Shipment)[];

/** What the GraphQL `ProofOfDelivery` resolves from. */
export interface ProofOfDeliveryView {
  recipientName: string;
  signatureRef: string | null;
  photoRef: string | null;
  lat: number;
  lng: number;
  deliveredAt: Date;
}

/** The proof of delivery kept on a shipment row; null until it is delivered. */
export function proofOfDeliveryOf(s: Shipment): ProofOfDeliveryView | null {
  if (s.status !== 'DELIVERED' || !s.deliveredAt || !s.podRecipientName || s.podLat == null || s.podLng == null) return null;
  return { recipientName: s.podRecipientName, signatureRef: s.podSignatureRef, photoRef: s.podPhotoRef, lat: s.podLat, lng: s.podLng, deliveredAt: s.deliveredAt };
}
