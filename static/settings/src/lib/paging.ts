/** Delivery log entries per page (the first load and each "Load older deliveries"). */
export const DELIVERY_LOG_PAGE = 25;

/** Recent events the repository page shows (getActivity's limit). */
export const ACTIVITY_PAGE = 20;
