// Enumerations shared by several resources.
export const datePrecisions = ['exact', 'day', 'week', 'month', 'year'] as const
