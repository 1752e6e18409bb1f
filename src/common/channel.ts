import { registerEnumType } from 'type-graphql';

/** One enum for where a customer bought and where they made contact. */
export enum Channel {
  WEB = 'WEB',
  MOBILE_APP = 'MOBILE_APP',
  STORE = 'STORE',
  PHONE = 'PHONE',
  EMAIL = 'EMAIL',
  CHAT = 'CHAT',
  SMS = 'SMS',
  SOCIAL = 'SOCIAL',
  CHATBOT = 'CHATBOT',
  VIDEO = 'VIDEO',
  MARKETPLACE = 'MARKETPLACE',
}
registerEnumType(Channel, { name: 'Channel', description: 'A channel: the same names where a customer bought and where they made contact.' });

export const CHANNELS = Object.values(Channel);
